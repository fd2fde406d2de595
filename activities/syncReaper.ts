import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { staleVerdict } from '../domain/pos/reaper.js';
import { workflowState } from '../platform/workflowState.js';
import type { ActivityDeps } from './deps.js';
import { runningSyncRuns, settleAbandonedRun } from '../db/repositories/posSync.js';

export interface ReapResult {
  /** Runs found `running` and checked against Temporal. */
  checked: number;
  /** Runs settled as failed because their workflow had ended. */
  reaped: number;
  /** Runs whose workflow Temporal could not be asked about this time (left as they were). */
  unknown: number;
}

const PAGE = 100;

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

export function createSyncReaperActivities(deps: ActivityDeps) {
  const { sequelize } = deps;

  return {
    /**
     * Settles `running` sync runs whose posSync workflow is no longer running: terminated, timed
     * out, cancelled or failed without reaching posFailRun, or gone from Temporal. A run whose
     * workflow id still has a running execution (continue-as-new included) is left alone, and so
     * is one Temporal could not be asked about. Every write is guarded by `status = 'running'`, so
     * a run that finishes on its own meanwhile keeps its own outcome.
     */
    async posReapStaleRuns(input: { limit?: number } = {}): Promise<ReapResult> {
      if (!deps.temporal) throw ApplicationFailure.create({ type: 'ConfigurationError', message: 'no Temporal client for checking workflows' });
      const client = await deps.temporal();
      const ctx = activityContext();
      const limit = input.limit ?? 10_000;
      const result: ReapResult = { checked: 0, reaped: 0, unknown: 0 };
      // Keyset over id: settled rows drop out of the filter, live ones are stepped past. Running
      // rows are few (the Schedules skip overlaps), so ordering them costs nothing.
      let after: string | undefined;
      while (result.checked < limit) {
        const rows = await runningSyncRuns(sequelize, after, PAGE);
        if (rows.length === 0) break;
        for (const run of rows) {
          ctx?.cancellationSignal.throwIfAborted();
          result.checked++;
          let verdict;
          try {
            verdict = staleVerdict(await workflowState(client, run.workflow_id, { reason: true }));
          } catch {
            result.unknown++;
            continue;
          }
          if (!verdict) continue;
          // Only while this is still the connection's latest run does the connection show it.
          if (await settleAbandonedRun(sequelize, run, verdict.errorType, verdict.message)) result.reaped++;
        }
        after = rows[rows.length - 1]!.id;
        ctx?.heartbeat(result);
        if (rows.length < PAGE) break;
      }
      return result;
    },
  };
}

export type SyncReaperActivities = ReturnType<typeof createSyncReaperActivities>;
