import { ScheduleAlreadyRunning, type Client, type ScheduleOptions } from '@temporalio/client';
import { WORKFLOW_TYPES } from '../contracts/workflowTypes.js';
import { ORDERS_RECONCILER_INTERVAL, ORDERS_RECONCILER_SCHEDULE_ID } from '../domain/orders/reconcile.js';
import { SYNC_RUNS_REAPER_INTERVAL, SYNC_RUNS_REAPER_SCHEDULE_ID } from '../domain/pos/reaper.js';
import type { TemporalSettings } from '../temporal.config.js';

/** The hub's own periodic jobs (per-connection POS Schedules belong to the API, not here). */
export function systemSchedules(settings: TemporalSettings): ScheduleOptions[] {
  return [
    {
      scheduleId: SYNC_RUNS_REAPER_SCHEDULE_ID,
      spec: { intervals: [{ every: SYNC_RUNS_REAPER_INTERVAL }] },
      action: {
        type: 'startWorkflow',
        workflowType: WORKFLOW_TYPES.syncRunsReaper,
        workflowId: SYNC_RUNS_REAPER_SCHEDULE_ID,
        taskQueue: settings.taskQueues.sync,
        args: [{ retry: settings.defaultActivityRetry }],
        workflowExecutionTimeout: '10 minutes',
      },
      policies: { overlap: 'SKIP', catchupWindow: '1 minute' },
    },
    // Open orders whose workflow has ended are cancelled and their stock released (issue 14.3).
    {
      scheduleId: ORDERS_RECONCILER_SCHEDULE_ID,
      spec: { intervals: [{ every: ORDERS_RECONCILER_INTERVAL }] },
      action: {
        type: 'startWorkflow',
        workflowType: WORKFLOW_TYPES.ordersReconciler,
        workflowId: ORDERS_RECONCILER_SCHEDULE_ID,
        taskQueue: settings.taskQueues.orders,
        args: [{ retry: settings.defaultActivityRetry }],
        workflowExecutionTimeout: '10 minutes',
      },
      policies: { overlap: 'SKIP', catchupWindow: '1 minute' },
    },
  ];
}

/**
 * Creates the system Schedules, or brings existing ones in line with this code (interval, action,
 * policies), leaving their paused state to the operator. Idempotent; safe from every worker.
 */
export async function ensureSystemSchedules(client: Client, settings: TemporalSettings): Promise<string[]> {
  const ids: string[] = [];
  for (const opts of systemSchedules(settings)) {
    try {
      await client.schedule.create(opts);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule
        .getHandle(opts.scheduleId)
        .update((prev) => ({ ...prev, spec: opts.spec, action: opts.action, policies: opts.policies ?? prev.policies }));
    }
    ids.push(opts.scheduleId);
  }
  return ids;
}
