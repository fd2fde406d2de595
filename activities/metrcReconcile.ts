/**
 * Whether an earlier write of a METRC submission landed, asked of METRC by natural key before a
 * submission is sent again (and the pre-image that lets an adjustment be judged afterwards).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Sequelize } from 'sequelize';
import { findAdjustmentsByTag, findLiveReceipt, findTemplatesByName, type MetrcClient } from '../integrations/metrc/index.js';
import { findReceiptSubmission, type SubmissionRow } from '../db/repositories/metrcSubmissions.js';
import {
  judgeAdjustment,
  type PackageAdjustmentPayload,
  type PackagePreImage,
  type ReceiptChangePayload,
  type ReceiptUpdatePayload,
  type SalesReceiptPayload,
  type TransferTemplatePayload,
} from '../domain/metrc/kinds.js';
import { identityTag } from '../domain/metrc/identity.js';

/** Slack around lastModified windows for clock skew between us and METRC. */
export const WINDOW_SLACK_MS = 5 * 60_000;

/**
 * What an adjustment's package looked like before the write (absent when METRC did not know
 * the label); `tagged` when the note carried the submission's identity, so the check is exact.
 */
export type AdjustmentPreImage = Partial<PackagePreImage> & { tagged?: boolean };

function window(sub: SubmissionRow) {
  const from = (sub.first_sent_at ? new Date(sub.first_sent_at) : new Date(sub.created_at)).getTime() - WINDOW_SLACK_MS;
  return { lastModifiedStart: new Date(from), lastModifiedEnd: new Date(Date.now() + WINDOW_SLACK_MS) };
}

type Reconciled = { landed: true; ids: number[] } | { landed: false };

/** The METRC Id of the receipt a change is about: given, from our own receipt submission, or looked up. */
export async function receiptIdFor(sequelize: Sequelize, client: MetrcClient, sub: SubmissionRow): Promise<number> {
  const p = sub.payload as ReceiptChangePayload;
  if (typeof p.Id === 'number') return p.Id;
  const ours = await findReceiptSubmission(sequelize, sub.license_number, p.ExternalReceiptNumber);
  const id = ours?.status === 'succeeded' ? ours.metrc_ids?.[0] : undefined;
  if (id !== undefined) return id;
  const found = await client.getReceiptByExternalNumber(sub.license_number, p.ExternalReceiptNumber);
  if (found) return found.Id;
  throw ApplicationFailure.create({
    type: 'MetrcReceiptNotFound',
    nonRetryable: true,
    message: `METRC has no receipt ${p.ExternalReceiptNumber} for ${sub.license_number}`,
  });
}

const sameLines = (a: readonly { PackageLabel: string; Quantity: number }[], b: readonly { PackageLabel: string; Quantity: number }[]) => {
  const key = (l: readonly { PackageLabel: string; Quantity: number }[]) =>
    l.map((t) => `${t.PackageLabel}:${Math.round(t.Quantity * 10_000)}`).sort().join(',');
  return key(a) === key(b);
};

/**
 * Asks METRC whether an earlier write of this submission landed, by natural key. A receipt
 * change has landed when the receipt holds exactly the lines we sent (update) or is voided
 * (void); PUT and DELETE are repeatable, so a change that had not landed is simply sent again.
 */
export async function reconcile(sequelize: Sequelize, client: MetrcClient, sub: SubmissionRow): Promise<Reconciled> {
  switch (sub.kind) {
    case 'transfer_template': {
      const p = sub.payload as TransferTemplatePayload;
      const found = await findTemplatesByName(client, sub.license_number, p.Name, window(sub));
      // Oldest first: if METRC somehow holds two, the first one is ours.
      const oldest = found.at(-1);
      return oldest ? { landed: true, ids: [oldest.Id] } : { landed: false };
    }
    case 'sales_receipt': {
      const p = sub.payload as SalesReceiptPayload;
      const r = await findLiveReceipt(client, sub.license_number, p.ExternalReceiptNumber);
      return r ? { landed: true, ids: [r.Id] } : { landed: false };
    }
    case 'sales_receipt_update':
    case 'sales_receipt_void': {
      const id = await receiptIdFor(sequelize, client, sub);
      const r = await client.getReceipt(sub.license_number, id);
      if (!r) {
        throw ApplicationFailure.create({ type: 'MetrcReceiptNotFound', nonRetryable: true, message: `METRC receipt ${id} was not found` });
      }
      if (sub.kind === 'sales_receipt_void') return r.ArchivedDate ? { landed: true, ids: [id] } : { landed: false };
      if (r.ArchivedDate) {
        throw ApplicationFailure.create({
          type: 'MetrcReceiptVoided',
          nonRetryable: true,
          message: `METRC receipt ${id} (${String(sub.payload.ExternalReceiptNumber)}) is voided; it can no longer be updated`,
        });
      }
      return sameLines(r.Transactions, (sub.payload as ReceiptUpdatePayload).Transactions) ? { landed: true, ids: [id] } : { landed: false };
    }
    case 'package_adjustment': {
      const p = sub.payload as PackageAdjustmentPayload;
      const before = sub.pre_image as AdjustmentPreImage | null;
      if (before?.tagged) {
        // Exact: METRC lists the adjustment with our tag in its note, or it has not recorded it.
        const found = await findAdjustmentsByTag(client, sub.license_number, p.Label, identityTag(sub.id), window(sub));
        return found.length ? { landed: true, ids: [] } : { landed: false };
      }
      // Sent before adjustments carried the tag: judged from the package as it was before.
      const pkg = await client.getPackageByLabel(sub.license_number, p.Label);
      if (!before || before.quantity === undefined || before.lastModified === undefined || !pkg) {
        throw ApplicationFailure.create({
          type: 'MetrcReconcileUnresolved',
          nonRetryable: true,
          message: `Cannot tell whether the adjustment of ${p.Label} was recorded (${!pkg ? 'package not found' : 'no pre-image'}); check METRC before retrying`,
        });
      }
      const verdict = judgeAdjustment({ quantity: before.quantity, lastModified: before.lastModified }, { quantity: pkg.Quantity, lastModified: pkg.LastModified }, p.Quantity);
      if (verdict === 'landed') return { landed: true, ids: [] };
      if (verdict === 'not_landed') return { landed: false };
      throw ApplicationFailure.create({
        type: 'MetrcReconcileUnresolved',
        nonRetryable: true,
        message: `Package ${p.Label} changed from ${before.quantity} to ${pkg.Quantity} since the adjustment was sent (expected ${before.quantity + p.Quantity}); check METRC before retrying`,
      });
    }
  }
}

export async function preImageFor(client: MetrcClient, sub: SubmissionRow): Promise<AdjustmentPreImage | undefined> {
  if (sub.kind !== 'package_adjustment') return undefined;
  const p = sub.payload as PackageAdjustmentPayload;
  const pkg = await client.getPackageByLabel(sub.license_number, p.Label);
  // An unknown label is left for METRC to refuse with its own 400 row message.
  return pkg ? { quantity: pkg.Quantity, lastModified: pkg.LastModified, tagged: true } : { tagged: true };
}
