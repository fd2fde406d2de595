import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ReapResult } from '../activities/syncReaper.js';
import { toRetryPolicy, type RetryInput } from './retry.js';

export interface SyncRunsReaperInput {
  retry?: RetryInput;
  /** Most runs checked per execution; the next tick carries on. */
  limit?: number;
}

/**
 * One pass of the sync-runs reaper, started by Schedule `sync-runs-reaper` on the sync queue:
 * settles `running` sync runs whose posSync workflow has ended without settling them.
 */
export async function syncRunsReaper(input: SyncRunsReaperInput = {}): Promise<ReapResult> {
  const { posReapStaleRuns } = proxyActivities<Activities>({
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '1 minute',
    retry: toRetryPolicy(input.retry),
  });
  return posReapStaleRuns(input.limit !== undefined ? { limit: input.limit } : {});
}
