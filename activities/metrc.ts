/**
 * METRC activities: one submission attempt (reconcile first when an earlier write may have
 * landed, then send), the failed/retry/discard transitions the submission workflow drives,
 * and the order-transfer steps (build the template, find its manifest, watch it for drift).
 *
 * Failures leave as ApplicationFailure with the client error's `type` (MetrcValidationError,
 * MetrcAuthError, ...), its nonRetryable flag and METRC's row messages as details, so the
 * retry policy from temporal.config.ts decides; a 429 carries Retry-After as nextRetryDelay.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Sequelize } from 'sequelize';
import {
  findAdjustmentsByTag,
  findLiveReceipt,
  findManifestsForPackages,
  packageLabelCache,
  findTemplatesByName,
  isMetrcError,
  MetrcRateLimitError,
  type MetrcClient,
  type MetrcOutgoingTemplateInput,
  type MetrcPackageAdjustment,
  type MetrcReceiptInput,
} from '../integrations/metrc/index.js';
import { discardSignal, type ManifestQuery } from '../contracts/metrc.js';
import { recordDeadLetter, resolveDeadLettersFor } from '../db/repositories/deadLetters.js';
import { transferFacts } from '../db/repositories/orders.js';
import {
  clearPossiblyLanded,
  findReceiptSubmission,
  markAmbiguous,
  markHadAmbiguous,
  getSubmission,
  insertSubmission,
  listReceiptChanges,
  markMoot,
  withdrawUnsent,
  markDiscarded,
  markFailed,
  markSending,
  recordAttemptFailure,
  recordSuccess,
  startAttempt,
  claimForRetry,
  workflowIdFor,
  type SubmissionRow,
} from '../db/repositories/metrcSubmissions.js';
import { definitelyNotCommitted, failureReason, type AttemptError } from '../domain/metrc/failure.js';
import {
  changeWireBody,
  isReceiptChange,
  judgeAdjustment,
  naturalKey,
  validatePayload,
  type PackageAdjustmentPayload,
  type PackagePreImage,
  type ReceiptChangePayload,
  type ReceiptUpdatePayload,
  type SalesReceiptPayload,
  type TransferTemplatePayload,
} from '../domain/metrc/kinds.js';
import { buildTransferTemplate } from '../domain/metrc/transfer.js';
import { identityTag, noteWithIdentity } from '../domain/metrc/identity.js';
import type { FieldIssue } from '../domain/metrc/schema.js';
import { labelActivity } from '../platform/metrics.js';
import type { ActivityDeps } from './deps.js';
import { createMetrcClientFactory, isNoKeyFailure } from './metrcClient.js';
import { isAuthFailure, settle, withAuthRetry } from './metrcSettle.js';
import { keyWorks, noKeyParkedFailure, parkedFailure } from './metrcCredentials.js';
import { startDuplicateSweep } from './metrcSweep.js';

export const DEAD_LETTER_KIND_SUBMISSION = 'metrc_submission';
export const DEAD_LETTER_KIND_MANIFEST_TIMEOUT = 'metrc_manifest_timeout';

/** 429s on a write are waited out in the attempt this many times before the attempt fails. */
const MAX_RATE_LIMIT_WAITS = 5;
/** Slack around lastModified windows for clock skew between us and METRC. */
const WINDOW_SLACK_MS = 5 * 60_000;

/**
 * What an adjustment's package looked like before the write (absent when METRC did not know
 * the label); `tagged` when the note carried the submission's identity, so the check is exact.
 */
type AdjustmentPreImage = Partial<PackagePreImage> & { tagged?: boolean };

export type SubmitResult =
  | { status: 'succeeded'; metrcIds: number[]; reconciled: boolean }
  | { status: 'not_sendable'; current: string };

export type RetryRoundResult = { ok: true } | { ok: false; issues: FieldIssue[]; current?: string };

/**
 * Whether a receipt change may be sent now: `waiting` while its receipt is not in METRC yet or
 * an earlier change to it is still open; `moot` (and discarded) when the receipt never went out.
 */
export type ReceiptChangeGate = { state: 'ready' } | { state: 'waiting'; reason: string } | { state: 'moot'; reason: string };

export interface TransferPlan {
  submissionId: string;
  templateName: string;
  submissionStatus: string;
  templateId: number | null;
  shipperLicense: string;
  recipientLicense: string;
  packageLabels: string[];
  windowStart: string;
  pollIntervalMs: number;
  timeoutMs: number;
  driftCheckIntervalMs: number;
  driftWatchMs: number;
}

export type PrepareTransferResult = ({ ok: true } & TransferPlan) | { ok: false; reason: string };

export type { ManifestQuery };

export type ManifestFound =
  | { found: false }
  | { found: true; transferId: number; manifestNumber: string; deliveryId: number; missingLabels: string[]; extraLabels: string[] };

export type DriftCheck =
  | { drift: false }
  | { drift: true; kind: 'voided' | 'edited' | 'missing'; detail: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function describeError(e: unknown): AttemptError {
  if (isMetrcError(e)) {
    const j = e.toJSON();
    return {
      type: j.type,
      code: j.code,
      message: j.message,
      ...(j.status !== undefined ? { status: j.status } : {}),
      ...(j.ambiguous !== undefined ? { ambiguous: j.ambiguous } : {}),
      ...(j.rowMessages ? { rowMessages: j.rowMessages } : {}),
      ...(j.retryAfterMs !== undefined ? { retryAfterMs: j.retryAfterMs } : {}),
    };
  }
  if (e instanceof ApplicationFailure) {
    return { type: e.type ?? 'ApplicationFailure', code: e.type ?? 'ERROR', message: e.message };
  }
  return { type: 'Error', code: 'INTERNAL', message: e instanceof Error ? e.message : String(e), ambiguous: true };
}

/** The failure the retry policy sees: type, retryability, METRC's rows, Retry-After. */
function toFailure(e: unknown, info: AttemptError): ApplicationFailure {
  if (e instanceof ApplicationFailure) return e;
  const nonRetryable = isMetrcError(e) ? e.nonRetryable : false;
  return ApplicationFailure.create({
    type: info.type,
    message: info.message,
    nonRetryable,
    details: [info],
    ...(e instanceof MetrcRateLimitError && e.retryAfterMs !== undefined ? { nextRetryDelay: e.retryAfterMs } : {}),
    ...(e instanceof Error ? { cause: e } : {}),
  });
}

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (benchmarks, unit tests)
  }
}

/** Heartbeats while work is in flight, so a lost worker is noticed within the heartbeat timeout. */
async function withHeartbeat<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = currentContext();
  const timer = ctx ? setInterval(() => ctx.heartbeat(), 1000) : undefined;
  try {
    ctx?.heartbeat();
    return await fn();
  } finally {
    if (timer) clearInterval(timer);
  }
}

function window(sub: SubmissionRow) {
  const from = (sub.first_sent_at ? new Date(sub.first_sent_at) : new Date(sub.created_at)).getTime() - WINDOW_SLACK_MS;
  return { lastModifiedStart: new Date(from), lastModifiedEnd: new Date(Date.now() + WINDOW_SLACK_MS) };
}

type Reconciled = { landed: true; ids: number[] } | { landed: false };

/** The METRC Id of the receipt a change is about: given, from our own receipt submission, or looked up. */
async function receiptIdFor(sequelize: Sequelize, client: MetrcClient, sub: SubmissionRow): Promise<number> {
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
async function reconcile(sequelize: Sequelize, client: MetrcClient, sub: SubmissionRow): Promise<Reconciled> {
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

async function preImageFor(client: MetrcClient, sub: SubmissionRow): Promise<AdjustmentPreImage | undefined> {
  if (sub.kind !== 'package_adjustment') return undefined;
  const p = sub.payload as PackageAdjustmentPayload;
  const pkg = await client.getPackageByLabel(sub.license_number, p.Label);
  // An unknown label is left for METRC to refuse with its own 400 row message.
  return pkg ? { quantity: pkg.Quantity, lastModified: pkg.LastModified, tagged: true } : { tagged: true };
}

/** Adjust reasons per license, read at most every 10 minutes (they are state reference data). */
function adjustReasonCache() {
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
function checkReasonNote(requiresNote: Set<string>, sub: SubmissionRow): void {
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

async function send(sequelize: Sequelize, client: MetrcClient, sub: SubmissionRow): Promise<number[]> {
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

export function createMetrcActivities(deps: ActivityDeps) {
  const { sequelize, config } = deps;
  const clients = createMetrcClientFactory(deps);
  const cachedLabels = packageLabelCache();
  const adjustReasons = adjustReasonCache();

  return {
    /**
     * One attempt of one submission. Idempotent across retries and worker loss: state lives in
     * the row, and `possibly_landed` (set before a write leaves, cleared only on a definite
     * "not committed") makes the next attempt look the record up before sending again.
     */
    async submitMetrcSubmission(input: { submissionId: string }): Promise<SubmitResult> {
      const current = await getSubmission(sequelize, input.submissionId);
      if (!current) throw ApplicationFailure.create({ type: 'NotFound', nonRetryable: true, message: `submission ${input.submissionId} not found` });
      labelActivity(currentContext(), { kind: current.kind });
      if (current.status === 'succeeded') return { status: 'succeeded', metrcIds: current.metrc_ids ?? [], reconciled: current.reconciled };
      const started = await startAttempt(deps.writer, input.submissionId);
      if (!started) return { status: 'not_sendable', current: current.status };
      const { sub, attempt, closedLost } = started;
      let rateLimitWaits = 0;
      let sending = false;
      const sendWaitingOutRateLimits = async (client: MetrcClient): Promise<number[]> => {
        for (;;) {
          try {
            return await send(sequelize, client, sub);
          } catch (e) {
            // A 429 means METRC did not take the write; waiting it out here keeps it from
            // costing one of the submission's few attempts.
            if (!(e instanceof MetrcRateLimitError) || rateLimitWaits >= MAX_RATE_LIMIT_WAITS) throw e;
            rateLimitWaits += 1;
            await sleep((e.retryAfterMs ?? 500 * 2 ** rateLimitWaits) + Math.floor(Math.random() * 100));
          }
        }
      };
      return withHeartbeat(async () => {
        try {
          const client = await clients.forLicense(sub.license_number).catch((e: unknown) => {
            if (isNoKeyFailure(e)) throw noKeyParkedFailure(sub.license_number, e);
            throw e;
          });
          let possiblyLanded = sub.possibly_landed;
          // A credential blip (401/403 from a key that works) runs the attempt again from its
          // checks; a refused request was not processed, so nothing can be written twice.
          return await withAuthRetry(async (): Promise<SubmitResult> => {
            // A void is also checked first: a receipt voided already (by someone in METRC, or by
            // an answer we lost) would only earn a 400 for a second DELETE.
            if (possiblyLanded || sub.kind === 'sales_receipt_void') {
              if (possiblyLanded) {
                await markHadAmbiguous(sequelize, sub.id);
                // Durable follow-up: looks for late duplicates after this attempt, whatever it finds now.
                await startDuplicateSweep(deps, sub);
              }
              // No re-send while a write still in flight could commit: look for it by identity,
              // adopt it the moment it appears, and send again only once the window has passed
              // since the last send (rows from before last_sent_ms count from the first send).
              const recorded = sub.last_sent_ms ?? (sub.first_sent_at ? new Date(sub.first_sent_at).getTime() : null);
              // last_sent_ms is stamped before the request waits for a rate-limit token; an
              // ambiguous failure moves it to the moment of failure (never before the send), but a
              // lost attempt could not. Its write left before this attempt began, so counting
              // from now is never too short.
              const lastSentMs = closedLost ? Math.max(recorded ?? 0, Date.now()) : recorded;
              const found = await settle(() => reconcile(sequelize, client, sub), {
                lastSentMs: possiblyLanded ? lastSentMs : null,
                windowMs: config.metrc.settleWindowMs,
                checkIntervalMs: config.metrc.settleCheckIntervalMs,
              });
              if (found.landed) {
                await recordSuccess(deps.writer, sub.id, attempt, found.ids, true, 0);
                return { status: 'succeeded', metrcIds: found.ids, reconciled: true };
              }
              await clearPossiblyLanded(sequelize, sub.id);
              possiblyLanded = false;
            }
            if (sub.kind === 'package_adjustment') checkReasonNote(await adjustReasons(client, sub.license_number), sub);
            const preImage = await preImageFor(client, sub);
            await markSending(sequelize, sub.id, preImage);
            sub.pre_image = preImage ?? null;
            sending = true;
            const ids = await sendWaitingOutRateLimits(client);
            await recordSuccess(deps.writer, sub.id, attempt, ids, false, rateLimitWaits);
            return { status: 'succeeded', metrcIds: ids, reconciled: false };
          }, config.metrc.authRetryWindowMs).catch(async (e: unknown) => {
            // Refused past the window: a refused key parks the submission (one alert per
            // license); a key that works but lacks a right for this write is a dead letter.
            if (isAuthFailure(e) && !(await keyWorks(client))) throw parkedFailure(sub.license_number, e);
            throw e;
          });
        } catch (e) {
          const info = describeError(e);
          if (sending && definitelyNotCommitted(info)) await clearPossiblyLanded(sequelize, sub.id);
          else if (sending) {
            await markAmbiguous(sequelize, sub.id);
            await startDuplicateSweep(deps, sub);
          }
          await recordAttemptFailure(sequelize, sub.id, attempt, info, rateLimitWaits);
          throw toFailure(e, info);
        }
      });
    },

    /**
     * The gate in front of a receipt change (sales_receipt_update / sales_receipt_void). Checked
     * by the submission workflow before each round, again and again while it says `waiting`.
     * A void whose receipt never left Trellis withdraws that receipt instead of waiting for it to
     * go out and undoing it; a receipt that failed without reaching METRC is discarded through
     * its own workflow. Changes to one receipt go out in Sequence order.
     */
    async checkMetrcReceiptChange(input: { submissionId: string }): Promise<ReceiptChangeGate> {
      const sub = await getSubmission(sequelize, input.submissionId);
      if (!sub) throw ApplicationFailure.create({ type: 'NotFound', nonRetryable: true, message: `submission ${input.submissionId} not found` });
      if (!isReceiptChange(sub.kind) || sub.status !== 'pending') return { state: 'ready' };
      const p = sub.payload as ReceiptChangePayload;
      const receipt = await findReceiptSubmission(sequelize, sub.license_number, p.ExternalReceiptNumber);
      const moot = async (reason: string): Promise<ReceiptChangeGate> =>
        (await markMoot(sequelize, sub.id, reason)) ? { state: 'moot', reason } : { state: 'ready' };
      if (receipt?.status === 'discarded') {
        return moot(`not needed: receipt ${p.ExternalReceiptNumber} never reached METRC (${receipt.discard_reason ?? 'discarded'})`);
      }
      if (receipt && sub.kind === 'sales_receipt_void') {
        if (await withdrawUnsent(sequelize, receipt.id, `withdrawn before it was sent: the POS voided the sale (${p.ChangeReference})`)) {
          return moot(`not needed: receipt ${p.ExternalReceiptNumber} was withdrawn before it was sent`);
        }
        if (receipt.status === 'failed' && !receipt.possibly_landed && deps.temporal) {
          const why = `not needed any more: the POS voided the sale (${p.ChangeReference}) and METRC never took this receipt`;
          try {
            const client = await deps.temporal();
            await client.workflow.getHandle(receipt.workflow_id ?? workflowIdFor(receipt.id)).signal(discardSignal, { reason: why, by: `metrc:${sub.id}` });
          } catch {
            // Its workflow is gone or unreachable: the receipt stays failed for a person to decide.
          }
          return { state: 'waiting', reason: `receipt ${p.ExternalReceiptNumber} failed without reaching METRC and is being discarded` };
        }
      }
      const open = (await listReceiptChanges(sequelize, sub.license_number, p.ExternalReceiptNumber)).filter(
        (c) => c.id !== sub.id && Number(c.payload.Sequence) < p.Sequence && c.status !== 'succeeded' && c.status !== 'discarded',
      );
      if (open[0]) return { state: 'waiting', reason: `waits for the earlier ${open[0].kind} ${open[0].natural_key} (${open[0].status})` };
      if (receipt && receipt.status !== 'succeeded') {
        return { state: 'waiting', reason: `waits for receipt ${p.ExternalReceiptNumber} to reach METRC (${receipt.status})` };
      }
      return { state: 'ready' };
    },

    /** Attempts are spent: status failed and a dead letter, in one transaction. */
    async failMetrcSubmission(input: { submissionId: string; workflowId: string; queue: string; error: AttemptError }): Promise<string> {
      const reason = failureReason(input.error);
      await sequelize.transaction(async (transaction) => {
        const sub = await getSubmission(sequelize, input.submissionId, transaction, true);
        if (!sub) return;
        const changed = await markFailed(sequelize, sub.id, reason, transaction);
        if (!changed && sub.status !== 'failed') return;
        await recordDeadLetter(
          sequelize,
          {
            queue: input.queue,
            workflowId: input.workflowId,
            kind: DEAD_LETTER_KIND_SUBMISSION,
            subjectId: sub.id,
            payload: { submission_id: sub.id, kind: sub.kind, license_number: sub.license_number, payload: sub.payload },
            error: input.error,
            attempts: sub.attempt_count,
          },
          transaction,
        );
      });
      return reason;
    },

    /**
     * Starts a new round after a `retry` signal. The API has normally claimed the row already
     * (failed → pending with the corrected payload); a signal sent some other way is
     * validated and claimed here.
     */
    async beginMetrcRetryRound(input: { submissionId: string; payload?: Record<string, unknown>; by?: string | null }): Promise<RetryRoundResult> {
      const sub = await getSubmission(sequelize, input.submissionId);
      if (!sub) return { ok: false, issues: [{ field: 'submission', issue: 'not found' }] };
      if (sub.status === 'failed') {
        let key: string | undefined;
        if (input.payload) {
          const issues = validatePayload(sub.kind, input.payload);
          if (issues.length) return { ok: false, issues, current: sub.status };
          key = naturalKey(sub.kind, input.payload, sub.id);
          if (key !== sub.natural_key && sub.possibly_landed) {
            return { ok: false, issues: [{ field: 'payload', issue: 'the natural key cannot change while an earlier send may have landed' }] };
          }
        }
        await claimForRetry(sequelize, sub.id, input.payload, key);
      } else if (sub.status !== 'pending') {
        return { ok: false, issues: [], current: sub.status };
      }
      await resolveDeadLettersFor(sequelize, DEAD_LETTER_KIND_SUBMISSION, sub.id, 'retried', input.by ?? null, null);
      return { ok: true };
    },

    async discardMetrcSubmission(input: { submissionId: string; reason: string; by?: string | null }): Promise<void> {
      await markDiscarded(sequelize, input.submissionId, input.reason);
      await resolveDeadLettersFor(sequelize, DEAD_LETTER_KIND_SUBMISSION, input.submissionId, 'discarded', input.by ?? null, input.reason);
    },

    /** Loads the order and creates (or finds) its transfer_template submission. */
    async prepareMetrcTransfer(input: { orderId: string }): Promise<PrepareTransferResult> {
      const facts = await transferFacts(sequelize, input.orderId);
      if (!facts) return { ok: false, reason: `order ${input.orderId} not found` };
      const { order, items } = facts;
      const requested = order.requested_delivery_date;
      const built = buildTransferTemplate(
        {
          orderNumber: String(order.order_number),
          shipperLicense: String(order.shipper),
          recipientLicense: String(order.recipient),
          requestedDeliveryDate:
            requested == null ? null : requested instanceof Date ? requested.toISOString().slice(0, 10) : String(requested).slice(0, 10),
          lines: (items as Record<string, unknown>[]).map((i) => ({
            itemId: String(i.id),
            packageLabel: (i.metrc_package_label as string | null) ?? null,
            lineTotalMinor: Number(i.line_total_minor),
            // The line's quantity ships, not the whole package (issue 14.2).
            quantity: Number(i.quantity),
            unitOfMeasure: String(i.unit_of_measure ?? 'Each'),
          })),
        },
        config.metrc.transferTypeName,
        new Date(),
      );
      if (!built.ok) return { ok: false, reason: built.reason };
      const inserted = await insertSubmission(sequelize, {
        kind: 'transfer_template',
        licenseNumber: String(order.shipper),
        payload: built.payload,
        orderId: input.orderId,
        createdBy: 'workflow:metrcTransfer',
      });
      const sub = inserted.created ? inserted.row : (await getSubmission(sequelize, inserted.existingId))!;
      const payload = sub.payload as TransferTemplatePayload;
      const createdAt = new Date(order.created_at as Date).getTime();
      return {
        ok: true,
        submissionId: sub.id,
        templateName: payload.Name,
        submissionStatus: sub.status,
        templateId: sub.metrc_ids?.[0] ?? null,
        shipperLicense: sub.license_number,
        recipientLicense: payload.Destinations[0]!.RecipientLicenseNumber,
        packageLabels: payload.Destinations.flatMap((d) => d.Packages.map((p) => p.PackageLabel)),
        windowStart: new Date(createdAt - WINDOW_SLACK_MS).toISOString(),
        pollIntervalMs: config.metrc.manifestPollIntervalMs,
        timeoutMs: config.metrc.manifestTimeoutMs,
        driftCheckIntervalMs: config.metrc.driftCheckIntervalMs,
        driftWatchMs: config.metrc.driftWatchMs,
      };
    },

    /** The manifest a user registered from our template: same recipient, sharing package labels. */
    async findMetrcManifest(q: ManifestQuery): Promise<ManifestFound> {
      return withHeartbeat(async () => {
        const client = await clients.forLicense(q.shipperLicense);
        const range = { lastModifiedStart: new Date(q.windowStart), lastModifiedEnd: new Date(Date.now() + WINDOW_SLACK_MS) };
        // By name first: one package lookup instead of one per transfer in the window, which
        // grows with every order the license pair ships while this one waits.
        const labelsOf = cachedLabels(client);
        if (q.templateName) {
          const want = new Set(q.packageLabels);
          // Newest first: the transfer registered from this order's template is a recent one.
          for await (const t of client.iterateOutgoingTransfersNewestFirst(q.shipperLicense, range)) {
            if (t.Name !== q.templateName || t.IsVoided || t.RecipientFacilityLicenseNumber !== q.recipientLicense) continue;
            const labels = new Set(await labelsOf(t));
            if (![...want].some((l) => labels.has(l))) continue;
            return {
              found: true,
              transferId: t.Id,
              manifestNumber: t.ManifestNumber,
              deliveryId: t.DeliveryId,
              missingLabels: [...want].filter((l) => !labels.has(l)),
              extraLabels: [...labels].filter((l) => !want.has(l)),
            };
          }
        }
        const matches = await findManifestsForPackages(
          client,
          q.shipperLicense,
          { recipientLicenseNumber: q.recipientLicense, packageLabels: q.packageLabels },
          range,
          labelsOf,
        );
        const best = matches[0];
        if (!best) return { found: false };
        return {
          found: true,
          transferId: best.transfer.Id,
          manifestNumber: best.transfer.ManifestNumber,
          deliveryId: best.transfer.DeliveryId,
          missingLabels: best.missingLabels,
          extraLabels: best.extraLabels,
        };
      });
    },

    /** Is the matched manifest still what we planned? Voided or edited in METRC is drift. */
    async checkMetrcManifestDrift(q: ManifestQuery & { transferId: number }): Promise<DriftCheck> {
      return withHeartbeat(async () => {
        const client = await clients.forLicense(q.shipperLicense);
        const rows = (
          await client.listOutgoingTransfers(q.shipperLicense, {
            lastModifiedStart: new Date(q.windowStart),
            lastModifiedEnd: new Date(Date.now() + WINDOW_SLACK_MS),
          })
        ).filter((t) => t.Id === q.transferId);
        if (rows.length === 0) return { drift: true, kind: 'missing', detail: `transfer ${q.transferId} is no longer listed` };
        if (rows.some((t) => t.IsVoided)) return { drift: true, kind: 'voided', detail: `manifest ${rows[0]!.ManifestNumber} was voided in METRC` };
        const problems: string[] = [];
        const labels = new Set<string>();
        for (const row of rows) {
          if (row.RecipientFacilityLicenseNumber !== q.recipientLicense) {
            problems.push(`recipient is ${row.RecipientFacilityLicenseNumber}, expected ${q.recipientLicense}`);
          }
          for (const p of await client.listDeliveryPackages(row.DeliveryId)) labels.add(p.PackageLabel);
        }
        const missing = q.packageLabels.filter((l) => !labels.has(l));
        const extra = [...labels].filter((l) => !q.packageLabels.includes(l));
        if (missing.length) problems.push(`packages removed: ${missing.join(', ')}`);
        if (extra.length) problems.push(`packages added: ${extra.join(', ')}`);
        return problems.length ? { drift: true, kind: 'edited', detail: problems.join('; ') } : { drift: false };
      });
    },
  };
}

export type MetrcActivities = ReturnType<typeof createMetrcActivities>;
