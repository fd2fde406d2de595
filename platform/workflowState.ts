import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { WorkflowState } from '../domain/pos/reaper.js';

/**
 * The state of a workflow id's latest execution (describe without a run id follows continue-as-new)
 * or NOT_FOUND. With `reason`, a closed execution's last history event is read for the terminate
 * reason or the failure message. Other errors (Temporal unreachable, deadline) are thrown: the
 * caller must not mistake "could not ask" for "not running".
 */
export async function workflowState(client: Client, workflowId: string, opts: { reason?: boolean; timeoutMs?: number } = {}): Promise<WorkflowState> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  return client.withDeadline(deadline, async () => {
    let status: string;
    let runId: string;
    try {
      const d = await client.workflow.getHandle(workflowId).describe();
      status = d.status.name;
      runId = d.runId;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { status: 'NOT_FOUND' };
      throw err;
    }
    if (!opts.reason || status === 'RUNNING' || status === 'PAUSED') return { status };
    try {
      const res = await client.workflowService.getWorkflowExecutionHistoryReverse({
        namespace: client.options.namespace,
        execution: { workflowId, runId },
        maximumPageSize: 1,
      });
      const last = res.history?.events?.[0];
      const reason =
        last?.workflowExecutionTerminatedEventAttributes?.reason ??
        last?.workflowExecutionFailedEventAttributes?.failure?.message ??
        undefined;
      return reason ? { status, reason } : { status };
    } catch {
      return { status }; // the reason is a courtesy; the status is what counts
    }
  });
}
