/**
 * Stale sync runs: a `sync_runs` row says `running` only while its posSync workflow runs. When the
 * workflow ends without settling its row (terminated, timed out, its history gone) the row would
 * stay `running` for ever; the reaper (workflow syncRunsReaper on a Schedule) settles it as failed.
 * The row follows the workflow id, never one run id, so a run that continued-as-new is alive as
 * long as the latest execution under that id is.
 */

/** The Schedule that runs the reaper, and the workflow it starts. */
export const SYNC_RUNS_REAPER_SCHEDULE_ID = 'sync-runs-reaper';
export const SYNC_RUNS_REAPER_WORKFLOW = 'syncRunsReaper';
export const SYNC_RUNS_REAPER_INTERVAL = '5 minutes';

/**
 * What Temporal says about a workflow id's latest execution: its status name (RUNNING,
 * TERMINATED, …) or `NOT_FOUND`, plus the close event's reason when there is one.
 */
export interface WorkflowState {
  status: string;
  reason?: string;
}

export interface StaleVerdict {
  errorType: string;
  message: string;
}

/** Statuses under which the workflow may still settle its own row. Anything unknown counts as alive. */
const CLOSED: Record<string, { type: string; what: string }> = {
  TERMINATED: { type: 'WorkflowTerminated', what: 'workflow terminated' },
  TIMED_OUT: { type: 'WorkflowTimedOut', what: 'workflow timed out' },
  CANCELLED: { type: 'WorkflowCancelled', what: 'workflow cancelled' },
  FAILED: { type: 'WorkflowFailed', what: 'workflow failed' },
  COMPLETED: { type: 'WorkflowCompleted', what: 'workflow completed without finishing the run' },
  NOT_FOUND: { type: 'WorkflowNotFound', what: 'workflow not found in Temporal' },
};

/**
 * undefined while the workflow is (or may be) running — RUNNING, PAUSED, CONTINUED_AS_NEW (a newer
 * execution exists), or a status this code does not know; otherwise why the run is stale.
 */
export function staleVerdict(state: WorkflowState): StaleVerdict | undefined {
  const c = CLOSED[state.status];
  if (!c) return undefined;
  const reason = state.reason?.trim();
  return { errorType: c.type, message: (reason ? `${c.what}: ${reason}` : c.what).slice(0, 2000) };
}
