/**
 * The sync's side of POS voids and returns: turns one voided or returned sale into what it does
 * to the METRC receipt we reported for the sale (see domain/pos/receiptChanges.ts), and writes
 * it: a queued sales_receipt_update / sales_receipt_void submission, or a receipt withdrawn
 * before it was ever sent. Re-reading the same POS event finds its submission by natural key,
 * so a re-run queues nothing new.
 */
import type { Sequelize } from 'sequelize';
import {
  findReceiptSubmission,
  findSubmissionByKey,
  insertSubmission,
  listReceiptChanges,
  withdrawUnsent,
  type SubmissionRow,
} from '../db/repositories/metrcSubmissions.js';
import { naturalKey, validatePayload, type ReceiptChangeKind } from '../domain/metrc/kinds.js';
import { receiptNumber, type HeldPackage } from '../domain/pos/receipt.js';
import {
  planReceiptChange,
  returnedLines,
  type ChangeEvent,
  type ChangePlan,
  type ChangeSubmission,
  type ReceiptSubmission,
} from '../domain/pos/receiptChanges.js';
import type { PosSale } from '../integrations/pos/index.js';

export interface ReceiptChangeOutcome {
  /** A new submission was queued. */
  created?: string;
  /** The submission whose workflow must run (new or already queued). */
  start?: string;
  /** Its kind (update or void), for the workflow's search attributes. */
  kind?: ReceiptChangeKind;
  /** The sale's receipt was withdrawn before it was sent. */
  withdrawn?: boolean;
  /** Why the event could not be mirrored; recorded as a sync item error. */
  problem?: string;
}

/** The POS event a voided or returned sale stands for, or a reason it cannot be mirrored. */
export function changeEvent(sale: PosSale, packages: ReadonlyMap<string, HeldPackage>): ChangeEvent | string | null {
  if (sale.status === 'voided' && sale.returnOf === undefined) return { type: 'void', saleId: sale.vendorSaleId };
  if (sale.returnOf === undefined) return sale.status === 'returned' ? 'return names no original sale; it cannot be mirrored to METRC' : null;
  const returned = returnedLines(sale.lines, packages);
  if (sale.status === 'voided') return { type: 'return_void', saleId: sale.returnOf, returnId: sale.vendorSaleId, returned };
  return {
    type: 'return',
    saleId: sale.returnOf,
    returnId: sale.vendorSaleId,
    returned,
    ...(sale.restocked !== undefined ? { restocked: sale.restocked } : {}),
  };
}

const asReceipt = (r: SubmissionRow): ReceiptSubmission => ({
  status: r.status,
  attemptCount: r.attempt_count,
  possiblyLanded: r.possibly_landed,
  payload: r.payload as ReceiptSubmission['payload'],
});
const asChange = (r: SubmissionRow): ChangeSubmission => ({
  kind: r.kind as ReceiptChangeKind,
  status: r.status,
  payload: r.payload as ChangeSubmission['payload'],
});

export function createReceiptChangeReporter(sequelize: Sequelize) {
  return async function reportReceiptChange(input: {
    vendor: string;
    licenseNumber: string;
    sale: PosSale;
    packages: ReadonlyMap<string, HeldPackage>;
    createdBy: string;
  }): Promise<ReceiptChangeOutcome> {
    const event = changeEvent(input.sale, input.packages);
    if (event === null) return {};
    if (typeof event === 'string') return { problem: event };
    const external = receiptNumber(input.vendor, event.saleId);
    const receiptRow = await findReceiptSubmission(sequelize, input.licenseNumber, external);
    const changes = await listReceiptChanges(sequelize, input.licenseNumber, external);
    const plan = (allowWithdraw: boolean): ChangePlan =>
      planReceiptChange(event, receiptRow ? asReceipt(receiptRow) : undefined, changes.map(asChange), { allowWithdraw });

    let decided = plan(true);
    if (decided.action === 'withdraw') {
      if (await withdrawUnsent(sequelize, receiptRow!.id, `withdrawn before it was sent: ${decided.why}`)) return { withdrawn: true };
      // Its first attempt began meanwhile: it may reach METRC, so undo it there instead.
      decided = plan(false);
    }
    switch (decided.action) {
      case 'none':
      case 'withdraw':
        return {};
      case 'problem':
        return { problem: decided.reason };
      case 'existing': {
        const key = naturalKey(decided.kind, { ExternalReceiptNumber: external, ChangeReference: decided.changeReference }, '');
        const row = await findSubmissionByKey(sequelize, decided.kind, input.licenseNumber, key);
        return row ? { start: row.id, kind: decided.kind } : {};
      }
      case 'create': {
        const issues = validatePayload(decided.kind, decided.payload);
        if (issues.length > 0) return { problem: issues.map((i) => `${i.field}: ${i.issue}`).join('; ') };
        const ins = await insertSubmission(sequelize, {
          kind: decided.kind,
          licenseNumber: input.licenseNumber,
          payload: decided.payload,
          posSaleId: input.sale.vendorSaleId,
          createdBy: input.createdBy,
        });
        return ins.created ? { created: ins.row.id, start: ins.row.id, kind: decided.kind } : { start: ins.existingId, kind: decided.kind };
      }
    }
  };
}
