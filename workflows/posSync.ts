import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { PosCursor, SyncMode } from '../activities/pos.js';
import type { ChangeCursor, ChangeResumePoint } from '../integrations/pos/index.js';
import { toRetryPolicy, type RetryInput } from './retry.js';

/** Where a run continued-as-new left off; absent on the first execution of a run. */
export interface PosSyncState {
  runId: string;
  mode: SyncMode;
  reportSales: boolean;
  cursor: PosCursor;
  from?: ChangeCursor | ChangeResumePoint;
}

export interface PosSyncInput {
  connectionId: string;
  retry?: RetryInput;
  /** How long an activity may go without a heartbeat before it is presumed dead and retried. */
  heartbeatTimeoutMs?: number;
  pageSize?: number;
  chunkSize?: number;
  /** Pages per posSyncChanges activity: bounds each activity's work and the history per call. */
  pagesPerActivity?: number;
  /** Activity calls per execution before continue-as-new (history stays small). */
  callsPerExecution?: number;
  state?: PosSyncState;
}

export interface PosSyncResult {
  runId?: string;
  status: 'succeeded' | 'partial' | 'failed' | 'skipped';
}

function failureOf(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  if (isCancellation(err)) return { type: 'Cancelled', message: 'sync was cancelled' };
  return { type: 'Error', message: cause instanceof Error ? cause.message : String(cause) };
}

/**
 * One POS sync run for a connection, started by its Schedule (overlap: skip) or by "run now".
 * Snapshot vendors: stream the snapshot, then zero what it no longer lists. Incremental vendors:
 * apply pages of changes since the saved cursor, continuing-as-new with the resume point so the
 * history never grows with the catalogue. The cursor is saved only when the run finishes.
 */
export async function posSync(input: PosSyncInput): Promise<PosSyncResult> {
  const retry = toRetryPolicy(input.retry);
  const heartbeatTimeout = input.heartbeatTimeoutMs ?? 60_000;
  const short = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry });
  const long = proxyActivities<Activities>({ startToCloseTimeout: '4 hours', heartbeatTimeout, retry });

  let state = input.state;
  if (!state) {
    const started = await short.posStartRun({ connectionId: input.connectionId, workflowId: workflowInfo().workflowId });
    if (!started.runId) return { status: 'skipped' };
    state = { runId: started.runId, mode: started.mode!, reportSales: started.reportSales ?? false, cursor: started.cursor ?? {} };
  }
  const { runId } = state;
  const ids = { runId, connectionId: input.connectionId };

  try {
    let changesCursor: ChangeCursor | undefined;
    if (state.mode === 'snapshot') {
      await long.posSyncSnapshot({ ...ids, ...(input.chunkSize ? { chunkSize: input.chunkSize } : {}) });
      // Only a snapshot that streamed to its end may say what disappeared.
      await long.posZeroMissing(ids);
    } else {
      let from = state.from ?? state.cursor.changes;
      const limit = input.callsPerExecution ?? 100;
      for (let calls = 0; ; calls++) {
        if (calls >= limit || workflowInfo().continueAsNewSuggested) {
          return await continueAsNew<typeof posSync>({ ...input, state: { ...state, ...(from ? { from } : {}) } });
        }
        const r = await long.posSyncChanges({
          ...ids,
          ...(from ? { from } : {}),
          maxPages: input.pagesPerActivity ?? 50,
          ...(input.pageSize ? { pageSize: input.pageSize } : {}),
        });
        if (r.done) {
          changesCursor = r.next;
          break;
        }
        from = r.resume;
      }
    }
    const cursor: PosCursor = changesCursor ? { changes: changesCursor } : {};
    if (state.reportSales) {
      const sales = await long.posReportSales({ ...ids, ...(state.cursor.sales ? { since: state.cursor.sales } : {}) });
      if (sales.next) cursor.sales = sales.next;
    }
    const done = await short.posFinishRun({ ...ids, cursor });
    return { runId, status: done.status as PosSyncResult['status'] };
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    const f = failureOf(err);
    await CancellationScope.nonCancellable(() => short.posFailRun({ ...ids, errorType: f.type, message: f.message }));
    throw ApplicationFailure.create({ type: f.type, message: `POS sync failed: ${f.message}`, nonRetryable: true });
  }
}
