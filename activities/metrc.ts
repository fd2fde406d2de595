/**
 * METRC activities: one submission attempt (reconcile first when an earlier write may have
 * landed, then send), the failed/retry/discard transitions the submission workflow drives,
 * and the order-transfer steps (build the template, find its manifest, watch it for drift).
 *
 * Failures leave as ApplicationFailure with the client error's `type` (MetrcValidationError,
 * MetrcAuthError, ...), its nonRetryable flag and METRC's row messages as details, so the
 * retry policy from temporal.config.ts decides; a 429 carries Retry-After as nextRetryDelay.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MetrcRateLimitError, type MetrcClient } from '../integrations/metrc/index.js';
import { discardSignal, type ManifestQuery } from '../contracts/metrc.js';
import { recordDeadLetter, resolveDeadLettersFor } from '../db/repositories/deadLetters.js';
import {
  clearPossiblyLanded,
  findReceiptSubmission,
  markAmbiguous,
  markHadAmbiguous,
  getSubmission,
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
} from '../db/repositories/metrcSubmissions.js';
import { definitelyNotCommitted, failureReason, type AttemptError } from '../domain/metrc/failure.js';
import { isReceiptChange, naturalKey, validatePayload, type ReceiptChangePayload } from '../domain/metrc/kinds.js';
import type { FieldIssue } from '../domain/metrc/schema.js';
import { labelActivity } from '../platform/metrics.js';
import type { ActivityDeps } from './deps.js';
import { createMetrcClientFactory, isNoKeyFailure } from './metrcClient.js';
import { isAuthFailure, settle, withAuthRetry } from './metrcSettle.js';
import { keyWorks, noKeyParkedFailure, parkedFailure } from './metrcCredentials.js';
import { startDuplicateSweep } from './metrcSweep.js';
import { currentContext, withHeartbeat } from './heartbeat.js';
import { describeError, toFailure } from './metrcAttemptFailure.js';
import { preImageFor, reconcile } from './metrcReconcile.js';
import { adjustReasonCache, checkReasonNote, send } from './metrcSend.js';
import { createMetrcTransferActivities } from './metrcTransfer.js';

export const DEAD_LETTER_KIND_SUBMISSION = 'metrc_submission';
export const DEAD_LETTER_KIND_MANIFEST_TIMEOUT = 'metrc_manifest_timeout';

/** 429s on a write are waited out in the attempt this many times before the attempt fails. */
const MAX_RATE_LIMIT_WAITS = 5;

export type SubmitResult =
  | { status: 'succeeded'; metrcIds: number[]; reconciled: boolean }
  | { status: 'not_sendable'; current: string };

export type RetryRoundResult = { ok: true } | { ok: false; issues: FieldIssue[]; current?: string };

/**
 * Whether a receipt change may be sent now: `waiting` while its receipt is not in METRC yet or
 * an earlier change to it is still open; `moot` (and discarded) when the receipt never went out.
 */
export type ReceiptChangeGate = { state: 'ready' } | { state: 'waiting'; reason: string } | { state: 'moot'; reason: string };

export type { ManifestQuery };
export type { DriftCheck, ManifestFound, PrepareTransferResult, TransferPlan } from './metrcTransfer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createMetrcActivities(deps: ActivityDeps) {
  const { sequelize, config } = deps;
  const clients = createMetrcClientFactory(deps);
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

    ...createMetrcTransferActivities(deps, clients),
  };
}

export type MetrcActivities = ReturnType<typeof createMetrcActivities>;
