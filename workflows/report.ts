import { ActivityCancellationType, ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ReportWorkflowInput, ReportWorkflowResult } from '../contracts/index.js';

type Phase = 'counting' | 'writing' | 'kept' | 'ended';

function failureOf(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  return { type: 'Error', message: cause instanceof Error ? cause.message : String(cause) };
}

/**
 * One report (`report:<id>`, queue `reports`): count its rows, write the file page by page (the
 * write heartbeats its keyset cursor, so a retry after a dead worker resumes from its last page),
 * mark it ready, then keep it until it expires and drop the file. Cancelling stops the write at
 * its next page and removes what was written.
 */
export async function reportWorkflow(input: ReportWorkflowInput): Promise<ReportWorkflowResult> {
  const short = proxyActivities<Activities>({ startToCloseTimeout: '5 minutes', retry: { initialInterval: '1s', maximumAttempts: 5 } });
  const long = proxyActivities<Activities>({
    startToCloseTimeout: '6 hours',
    heartbeatTimeout: input.heartbeatTimeoutMs ?? 30_000,
    retry: { initialInterval: '1s', maximumAttempts: 10, nonRetryableErrorTypes: ['NotFound'] },
    // Wait for the write to stop before deleting its chunks, or a last page could land after.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const ids = { reportId: input.reportId };
  let phase: Phase = 'counting';
  let rows = 0;
  try {
    await short.reportStart(ids);
    phase = 'writing';
    const written = await long.reportWrite({ ...ids, ...(input.pageSize ? { pageSize: input.pageSize } : {}) });
    rows = written.rows;
    const done = await short.reportFinish({ ...ids, rows: written.rows, bytes: written.bytes });
    phase = 'kept';
    // A scheduled run's owner hears of the file through the notifications queue. Not being able
    // to tell them must not fail a report whose file is ready and downloadable.
    if (input.notifyOwner) {
      try {
        await short.reportNotifyReady(ids);
      } catch (err) {
        if (isCancellation(err)) throw err;
      }
    }
    await sleep(Math.max(0, Date.parse(done.expiresAt) - Date.now()));
    await short.reportExpire(ids);
    phase = 'ended';
    return { status: 'succeeded', rows };
  } catch (err) {
    if (phase === 'kept') {
      // The workflow itself was cancelled after the file was ready: the file goes with it.
      await CancellationScope.nonCancellable(() => short.reportExpire(ids));
      return { status: 'succeeded', rows };
    }
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => short.reportEnd({ ...ids, status: 'cancelled' }));
      return { status: 'cancelled', rows };
    }
    const f = failureOf(err);
    await CancellationScope.nonCancellable(() => short.reportEnd({ ...ids, status: 'failed', errorType: f.type, message: f.message }));
    return { status: 'failed', rows };
  }
}
