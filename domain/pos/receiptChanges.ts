/**
 * What a POS void or return does to a METRC sales receipt we reported, decided from what we hold:
 * the receipt's submission and the changes already queued for it. Pure: the sync activity reads
 * the rows, asks here, and writes what it is told.
 *
 * - A voided sale → void the receipt (DELETE). If the receipt never left Trellis (still pending,
 *   never attempted) it is withdrawn instead: nothing reaches METRC at all.
 * - A return → update the receipt (PUT) to its remaining lines: quantities and amounts of the
 *   returned packages go down, emptied lines go. Returning everything voids the receipt instead,
 *   because METRC refuses a receipt without lines and a void is what the sale has become.
 * - A voided return → update the receipt to put the lines back.
 * - A money-only refund (no goods back to stock) changes nothing in METRC.
 *
 * Each change carries the whole receipt as it stands after it (PUT replaces every line), built on
 * the latest change queued before it, and a Sequence, so changes go out in the order the POS made
 * them. Natural keys make a re-read POS event find its change instead of queueing another.
 */
import type { HeldPackage } from './receipt.js';
import type { ReceiptChangeKind, SubmissionStatus } from '../metrc/kinds.js';

export interface ReceiptLine extends Record<string, unknown> {
  PackageLabel: string;
  Quantity: number;
  UnitOfMeasure: string;
  TotalAmount: number;
}

/** A returned quantity of one package and the money given back for it (currency units). */
export interface ReturnedLine {
  label: string;
  quantity: number;
  amount: number;
}

export interface ReceiptSubmission {
  status: SubmissionStatus;
  attemptCount: number;
  possiblyLanded: boolean;
  payload: Record<string, unknown> & { ExternalReceiptNumber: string; Transactions: ReceiptLine[] };
}

export interface ChangeSubmission {
  kind: ReceiptChangeKind;
  status: SubmissionStatus;
  payload: Record<string, unknown> & { ChangeReference: string; Sequence: number; Transactions?: ReceiptLine[] };
}

/**
 * `saleId` is the sale whose receipt changes; `returnId` the POS return transaction. `returned`
 * is a reason string when the return's lines could not be matched to packages: that only
 * matters (as a problem) once the lines are needed.
 */
export type ChangeEvent =
  | { type: 'void'; saleId: string }
  | { type: 'return'; saleId: string; returnId: string; returned: ReturnedLine[] | string; restocked?: boolean }
  | { type: 'return_void'; saleId: string; returnId: string; returned: ReturnedLine[] | string };

export type ChangePlan =
  | { action: 'none'; why: string }
  /** The receipt never left Trellis: discard it rather than send it and then undo it. */
  | { action: 'withdraw'; why: string }
  /** Already queued under this natural key: make sure its workflow runs, queue nothing new. */
  | { action: 'existing'; kind: ReceiptChangeKind; changeReference: string }
  | { action: 'create'; kind: ReceiptChangeKind; payload: Record<string, unknown> }
  | { action: 'problem'; reason: string };

const EPS = 1e-6;
const qty = (n: number) => Math.round(n * 10_000) / 10_000;
const cents = (n: number) => Math.round(n * 100);

/** Whether the receipt can still be withdrawn: never attempted, so nothing can have reached METRC. */
export const withdrawable = (r: ReceiptSubmission) => r.status === 'pending' && r.attemptCount === 0 && !r.possiblyLanded;

/**
 * Return lines as packages, the same way the sale's receipt found them: the line's own label or
 * the one we hold for its vendor item.
 */
export function returnedLines(
  lines: readonly { vendorItemId: string; packageLabel?: string; quantity: number; totalMinor: number }[],
  packages: ReadonlyMap<string, HeldPackage>,
): ReturnedLine[] | string {
  if (lines.length === 0) return 'return has no lines';
  const out: ReturnedLine[] = [];
  for (const l of lines) {
    const label = l.packageLabel ?? packages.get(l.vendorItemId)?.label;
    if (!label) return `no METRC package label for returned vendor item ${l.vendorItemId}`;
    if (!(l.quantity > 0)) return `returned line for ${l.vendorItemId} has quantity ${l.quantity}`;
    out.push({ label, quantity: l.quantity, amount: l.totalMinor / 100 });
  }
  return out;
}

/** The receipt's lines without `returned`; an error when it returns more than the receipt holds. */
export function withoutReturned(lines: readonly ReceiptLine[], returned: readonly ReturnedLine[]): ReceiptLine[] | string {
  const out = lines.map((l) => ({ ...l }));
  for (const r of returned) {
    let left = r.quantity;
    let money = cents(r.amount);
    for (const l of out) {
      if (left <= EPS) break;
      if (l.PackageLabel !== r.label || l.Quantity <= EPS) continue;
      const take = Math.min(l.Quantity, left);
      // Money follows quantity; the last piece of a return takes what is left of its amount.
      const share = take >= left - EPS ? money : Math.round((money * take) / left);
      l.Quantity = qty(l.Quantity - take);
      l.TotalAmount = Math.max(0, cents(l.TotalAmount) - share) / 100;
      left = qty(left - take);
      money -= share;
    }
    if (left > EPS) return `returns ${r.quantity} of package ${r.label}, more than the receipt holds`;
  }
  return out.filter((l) => l.Quantity > EPS);
}

/** The receipt's lines with `returned` put back (an undone return), shaped like the sold lines. */
export function withReturnedBack(lines: readonly ReceiptLine[], returned: readonly ReturnedLine[], sold: readonly ReceiptLine[]): ReceiptLine[] | string {
  const out = lines.map((l) => ({ ...l }));
  for (const r of returned) {
    const have = out.find((l) => l.PackageLabel === r.label);
    if (have) {
      have.Quantity = qty(have.Quantity + r.quantity);
      have.TotalAmount = (cents(have.TotalAmount) + cents(r.amount)) / 100;
      continue;
    }
    const template = sold.find((l) => l.PackageLabel === r.label);
    if (!template) return `package ${r.label} was not on the receipt`;
    out.push({ ...template, Quantity: qty(r.quantity), TotalAmount: cents(r.amount) / 100 });
  }
  return out;
}

export const changeReference = {
  void: (saleId: string) => `void:${saleId}`,
  return: (returnId: string) => `return:${returnId}`,
  returnVoid: (returnId: string) => `return-void:${returnId}`,
};

/** Decides what one POS event does to the receipt of `event.saleId`. */
export function planReceiptChange(
  event: ChangeEvent,
  receipt: ReceiptSubmission | undefined,
  changes: readonly ChangeSubmission[],
  opts: { allowWithdraw?: boolean } = {},
): ChangePlan {
  const allowWithdraw = opts.allowWithdraw ?? true;
  if (event.type === 'return' && event.restocked === false) {
    return { action: 'none', why: 'money-only refund: no goods went back to stock' };
  }
  if (!receipt) return { action: 'none', why: 'the sale was never reported to METRC' };
  if (receipt.status === 'discarded') return { action: 'none', why: 'the sale receipt was discarded and never reached METRC' };

  const external = receipt.payload.ExternalReceiptNumber;
  const live = changes.filter((c) => c.status !== 'discarded');
  const voided = changes.find((c) => c.kind === 'sales_receipt_void');
  const byRef = (ref: string) => changes.find((c) => c.payload.ChangeReference === ref);
  const sequence = 1 + changes.reduce((m, c) => Math.max(m, Number(c.payload.Sequence) || 0), 0);
  const latest = live
    .filter((c) => c.kind === 'sales_receipt_update')
    .reduce<ChangeSubmission | undefined>((a, c) => (!a || c.payload.Sequence > a.payload.Sequence ? c : a), undefined);
  const current = latest?.payload.Transactions ?? receipt.payload.Transactions;
  const voidPayload = (ref: string) => ({ ExternalReceiptNumber: external, ChangeReference: ref, Sequence: sequence });
  const updatePayload = (ref: string, lines: ReceiptLine[]) => {
    const { ExternalReceiptNumber, SalesDateTime, SalesCustomerType, PatientLicenseNumber, CaregiverLicenseNumber, IdentificationMethod } =
      receipt.payload;
    return {
      ExternalReceiptNumber,
      SalesDateTime,
      SalesCustomerType,
      ...(PatientLicenseNumber ? { PatientLicenseNumber } : {}),
      ...(CaregiverLicenseNumber ? { CaregiverLicenseNumber } : {}),
      ...(IdentificationMethod ? { IdentificationMethod } : {}),
      ChangeReference: ref,
      Sequence: sequence,
      Transactions: lines,
    };
  };

  switch (event.type) {
    case 'void': {
      if (voided) return { action: 'existing', kind: 'sales_receipt_void', changeReference: voided.payload.ChangeReference };
      if (allowWithdraw && withdrawable(receipt)) return { action: 'withdraw', why: 'sale voided in the POS before its receipt was sent' };
      return { action: 'create', kind: 'sales_receipt_void', payload: voidPayload(changeReference.void(event.saleId)) };
    }
    case 'return': {
      const ref = changeReference.return(event.returnId);
      const queued = byRef(ref);
      if (queued) return { action: 'existing', kind: queued.kind, changeReference: ref };
      if (voided) return { action: 'none', why: `receipt ${external} is voided` };
      if (typeof event.returned === 'string') return { action: 'problem', reason: event.returned };
      const left = withoutReturned(current, event.returned);
      if (typeof left === 'string') return { action: 'problem', reason: left };
      if (left.length > 0) return { action: 'create', kind: 'sales_receipt_update', payload: updatePayload(ref, left) };
      // Changes queued earlier wait for this receipt; once it is withdrawn they have nothing to do.
      if (allowWithdraw && withdrawable(receipt)) {
        return { action: 'withdraw', why: 'everything sold was returned before the receipt was sent' };
      }
      return { action: 'create', kind: 'sales_receipt_void', payload: voidPayload(ref) };
    }
    case 'return_void': {
      const ref = changeReference.returnVoid(event.returnId);
      const queued = byRef(ref);
      if (queued) return { action: 'existing', kind: queued.kind, changeReference: ref };
      const undone = byRef(changeReference.return(event.returnId));
      if (!undone || undone.status === 'discarded') return { action: 'none', why: 'the return was never mirrored to METRC' };
      if (undone.kind === 'sales_receipt_void') {
        return { action: 'problem', reason: `return ${event.returnId} voided receipt ${external} and was itself voided in the POS; METRC cannot restore a voided receipt, so report the sale again by hand` };
      }
      if (voided) return { action: 'none', why: `receipt ${external} is voided` };
      if (typeof event.returned === 'string') return { action: 'problem', reason: event.returned };
      const back = withReturnedBack(current, event.returned, receipt.payload.Transactions);
      if (typeof back === 'string') return { action: 'problem', reason: back };
      return { action: 'create', kind: 'sales_receipt_update', payload: updatePayload(ref, back) };
    }
  }
}
