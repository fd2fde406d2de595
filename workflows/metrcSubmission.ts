/**
 * One METRC submission, from first send to a final state. Each round runs the submit activity
 * under the retry policy from temporal.config.ts (3 attempts, exponential backoff; METRC's
 * validation, auth and request errors stop at once). When a round fails the submission is
 * marked failed with a dead letter and the workflow waits for a person: `retry` (optionally
 * with a corrected payload) starts another round, `discard` ends it. The activity reconciles
 * by natural key before any re-send, so rounds never duplicate a record in METRC.
 *
 * Receipt changes (update/void of a sales receipt after a POS return or void) are started with
 * `awaitReceipt`: before each round the workflow asks `checkMetrcReceiptChange` and, while the
 * receipt is not in METRC yet or an earlier change to it is open, waits on durable timers with
 * growing intervals, so the change is never lost and never sent ahead of its receipt. A change
 * whose receipt never went out ends discarded; one that waited too long fails like a round.
 *
 * A round that ends because METRC refused the license's key itself (past the activity's auth
 * retry window) parks instead of failing: the submission waits for a working key (see
 * activities/metrcCredentials.ts) and is sent again once a probe succeeds, unless compliance
 * staff discard it meanwhile (`discard` counts while parked too).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  discardSignal,
  retrySignal,
  submissionStateQuery,
  submissionStatusSignal,
  type AwaitReceiptOptions,
  type MetrcDiscardSignal,
  type MetrcRetrySignal,
  type MetrcSubmissionInput,
  type MetrcSubmissionResult,
  type MetrcSubmissionState,
  type MetrcSubmissionStatus,
} from '../contracts/metrc.js';
import type { AttemptError } from '../domain/metrc/failure.js';
import { toRetryPolicy } from './retry.js';

/** The failure's own description, from the activity's details or its message. */
export function attemptErrorOf(err: unknown): AttemptError {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const d = cause.details?.[0] as AttemptError | undefined;
    if (d && typeof d === 'object' && 'code' in d) return d;
    return { type: cause.type ?? 'ApplicationFailure', code: cause.type ?? 'ERROR', message: cause.message };
  }
  const e = cause as { name?: string; message?: string } | undefined;
  return { type: e?.name ?? 'Error', code: 'ACTIVITY_FAILED', message: e?.message ?? String(err) };
}

export async function metrcSubmission(input: MetrcSubmissionInput): Promise<MetrcSubmissionResult> {
  // Long enough for an attempt that waits out the settle window (METRC_SETTLE_WINDOW, at most
  // 20 min) before it may send again; a lost worker is still noticed by the heartbeat timeout.
  const { submitMetrcSubmission } = proxyActivities<Activities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '15 seconds',
    retry: toRetryPolicy(input.retry),
  });
  const bookkeeping = proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

  let state: MetrcSubmissionState = input.awaitReceipt ? 'waiting' : 'submitting';
  let round = 1;
  let lastError: AttemptError | undefined;
  let waitingFor: string | undefined;
  let pendingRetry: MetrcRetrySignal | undefined;
  let pendingDiscard: MetrcDiscardSignal | undefined;
  /** Parked for a working key, where a discard counts too (see parkForKey). */
  let parked = false;

  // Signals count only while waiting: a retry or discard sent mid-round is meaningless.
  setHandler(retrySignal, (s) => {
    if (state === 'failed' && !pendingDiscard) pendingRetry = s;
  });
  setHandler(discardSignal, (s) => {
    if ((state === 'failed' || parked) && !pendingRetry) pendingDiscard = s;
  });
  setHandler(submissionStateQuery, () => ({
    state,
    round,
    ...(lastError ? { lastError } : {}),
    ...(waitingFor ? { waitingFor } : {}),
  }));

  const notify = async (status: Omit<MetrcSubmissionStatus, 'submissionId'>) => {
    if (!input.notifyWorkflowId) return;
    try {
      await getExternalWorkflowHandle(input.notifyWorkflowId).signal(submissionStatusSignal, {
        submissionId: input.submissionId,
        ...status,
      });
    } catch {
      // The listener is gone; the submission's own record is what counts.
    }
  };

  /** ready, moot (the change has nothing to do; already discarded) or a timeout to fail the round. */
  const awaitReceipt = async (
    opts: AwaitReceiptOptions,
  ): Promise<{ state: 'ready' } | { state: 'moot' | 'timeout'; reason: string }> => {
    const maximum = opts.maximumIntervalMs ?? 5 * 60_000;
    const timeout = opts.timeoutMs ?? 14 * 24 * 60 * 60_000;
    const since = Date.now();
    let interval = Math.min(opts.initialIntervalMs ?? 2000, maximum);
    for (;;) {
      const gate = await bookkeeping.checkMetrcReceiptChange({ submissionId: input.submissionId });
      if (gate.state !== 'waiting') {
        waitingFor = undefined;
        return gate;
      }
      state = 'waiting';
      waitingFor = gate.reason;
      if (Date.now() - since >= timeout) return { state: 'timeout', reason: gate.reason };
      await sleep(interval);
      interval = Math.min(maximum, interval * 2);
    }
  };

  /**
   * The license's key is refused: wait (parked, one alert per license) and probe the key on
   * durable timers with growing intervals until it works ('retry': send again), or until compliance
   * staff discard the submission ('discarded').
   */
  const parkForKey = async (why: string): Promise<'retry' | 'discarded'> => {
    state = 'waiting';
    waitingFor = `a working METRC key (${why})`;
    parked = true;
    const p = await bookkeeping.parkMetrcSubmission({
      submissionId: input.submissionId,
      workflowId: workflowInfo().workflowId,
      queue: workflowInfo().taskQueue,
      reason: why,
    });
    let interval = p.probeIntervalMs;
    try {
      for (;;) {
        await condition(() => pendingDiscard !== undefined, interval);
        if (pendingDiscard) return 'discarded';
        if ((await bookkeeping.probeMetrcCredentials({ submissionId: input.submissionId })).ok) break;
        interval = Math.min(p.maxProbeIntervalMs, interval * 2);
      }
    } finally {
      parked = false;
      waitingFor = undefined;
    }
    // A discard that came in during the last probe wins: the API has already marked the row.
    return pendingDiscard ? 'discarded' : 'retry';
  };

  /** Ends the run discarded (the row is marked, the dead letter resolved, the listener told). */
  const endDiscarded = async (d: MetrcDiscardSignal): Promise<MetrcSubmissionResult> => {
    await bookkeeping.discardMetrcSubmission({ submissionId: input.submissionId, reason: d.reason, by: d.by ?? null });
    state = 'discarded';
    await notify({ state, reason: d.reason });
    return { status: 'discarded', reason: d.reason };
  };

  let handedOver = input.failedRound;
  for (;;) {
    const gate = handedOver
      ? ({ state: 'handed_over', error: handedOver } as const)
      : input.awaitReceipt
        ? await awaitReceipt(input.awaitReceipt)
        : ({ state: 'ready' } as const);
    handedOver = undefined;
    if (gate.state === 'handed_over') {
      lastError = gate.error;
    } else if (gate.state === 'moot') {
      state = 'discarded';
      await notify({ state, reason: gate.reason });
      return { status: 'discarded', reason: gate.reason };
    } else if (gate.state === 'timeout') {
      lastError = { type: 'ReceiptNotReady', code: 'RECEIPT_NOT_READY', message: `gave up waiting: ${gate.reason}` };
    } else {
      state = 'submitting';
      try {
        const r = await submitMetrcSubmission({ submissionId: input.submissionId });
        if (r.status === 'succeeded') {
          state = 'succeeded';
          // The last word needs no answer: it goes out with the completion instead of costing a
          // workflow task before it.
          void notify({ state, metrcIds: r.metrcIds });
          return r;
        }
        // Someone changed the row underneath (e.g. discarded while this run was not waiting).
        if (r.current === 'discarded') {
          state = 'discarded';
          await notify({ state, reason: 'discarded' });
          return { status: 'discarded', reason: 'discarded outside this workflow' };
        }
        lastError = { type: 'NotSendable', code: 'NOT_SENDABLE', message: `submission is ${r.current}` };
      } catch (err) {
        lastError = attemptErrorOf(err);
      }
    }

    if (lastError?.type === 'MetrcCredentialsParked') {
      if ((await parkForKey(lastError.message)) === 'discarded') return endDiscarded(pendingDiscard!);
      continue;
    }

    const reason = await bookkeeping.failMetrcSubmission({
      submissionId: input.submissionId,
      workflowId: workflowInfo().workflowId,
      queue: workflowInfo().taskQueue,
      error: lastError,
    });
    state = 'failed';
    await notify({ state, reason });

    for (;;) {
      await condition(() => pendingRetry !== undefined || pendingDiscard !== undefined);
      if (pendingDiscard) return endDiscarded(pendingDiscard);
      const r = pendingRetry!;
      pendingRetry = undefined;
      const begun = await bookkeeping.beginMetrcRetryRound({
        submissionId: input.submissionId,
        ...(r.payload ? { payload: r.payload } : {}),
        by: r.by ?? null,
      });
      if (begun.ok) break;
      // An invalid corrected payload leaves the submission failed and waiting.
      lastError = {
        type: 'ValidationError',
        code: 'VALIDATION_ERROR',
        message: `retry refused: ${begun.issues.map((i) => `${i.field} ${i.issue}`).join('; ') || `submission is ${begun.current}`}`,
      };
    }
    round += 1;
  }
}
