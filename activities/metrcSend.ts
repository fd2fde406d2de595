/** The write itself, one METRC call per submission kind, and the check METRC would make of an adjustment's note. */
import { ApplicationFailure } from '@temporalio/common';
import type { Sequelize } from 'sequelize';
import type { MetrcClient, MetrcOutgoingTemplateInput, MetrcPackageAdjustment, MetrcReceiptInput } from '../integrations/metrc/index.js';
import type { SubmissionRow } from '../db/repositories/metrcSubmissions.js';
import type { AttemptError } from '../domain/metrc/failure.js';
import { changeWireBody, type PackageAdjustmentPayload } from '../domain/metrc/kinds.js';
import { noteWithIdentity } from '../domain/metrc/identity.js';
import { receiptIdFor } from './metrcReconcile.js';

/** Adjust reasons per license, read at most every 10 minutes (they are state reference data). */
export function adjustReasonCache() {
  const cache = new Map<string, { until: number; requiresNote: Set<string> }>();
  return async (client: MetrcClient, license: string): Promise<Set<string>> => {
    const hit = cache.get(license);
    if (hit && hit.until > Date.now()) return hit.requiresNote;
    const reasons = await client.listAdjustReasons(license);
    const requiresNote = new Set(reasons.filter((r) => r.RequiresNote).map((r) => r.Name));
    cache.set(license, { until: Date.now() + 10 * 60_000, requiresNote });
    return requiresNote;
  };
}

/**
 * The tag in the note would satisfy a reason that requires a note; the person's own note is
 * what METRC's rule asks for, so its absence is refused here the way METRC would refuse it.
 */
export function checkReasonNote(requiresNote: Set<string>, sub: SubmissionRow): void {
  const p = sub.payload as PackageAdjustmentPayload;
  const note = typeof p.ReasonNote === 'string' ? p.ReasonNote.trim() : '';
  if (note || !requiresNote.has(String(p.AdjustmentReason))) return;
  const message = 'A reason note is required for this adjustment reason.';
  throw ApplicationFailure.create({
    type: 'MetrcValidationError',
    nonRetryable: true,
    message: `checked before sending: ${message}`,
    details: [{ type: 'MetrcValidationError', code: 'METRC_VALIDATION', message, rowMessages: [{ row: 0, message }] } satisfies AttemptError],
  });
}

export async function send(sequelize: Sequelize, client: MetrcClient, sub: SubmissionRow): Promise<number[]> {
  switch (sub.kind) {
    case 'sales_receipt_update': {
      const id = await receiptIdFor(sequelize, client, sub);
      await client.updateReceipts(sub.license_number, [{ ...(changeWireBody(sub.payload) as unknown as MetrcReceiptInput), Id: id }]);
      return [id];
    }
    case 'sales_receipt_void': {
      const id = await receiptIdFor(sequelize, client, sub);
      await client.voidReceipt(sub.license_number, id);
      return [id];
    }
    case 'transfer_template':
      return (await client.createOutgoingTemplates(sub.license_number, [sub.payload as unknown as MetrcOutgoingTemplateInput])).ids;
    case 'sales_receipt':
      return (await client.createReceipts(sub.license_number, [sub.payload as unknown as MetrcReceiptInput])).ids;
    case 'package_adjustment': {
      const body = { ...(sub.payload as unknown as MetrcPackageAdjustment), ReasonNote: noteWithIdentity(sub.payload.ReasonNote, sub.id) };
      return (await client.adjustPackages(sub.license_number, [body])).ids;
    }
  }
}
