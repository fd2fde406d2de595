/** How the METRC workflows talk to the order: its `metrcStatus` signal, best effort. */
import { getExternalWorkflowHandle } from '@temporalio/workflow';
import { orderWorkflowId } from '../../contracts/ids.js';
import { metrcStatusSignal, type MetrcStatusSignal } from '../../contracts/order.js';

export async function tellOrder(orderId: string, status: MetrcStatusSignal): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(orderWorkflowId(orderId)).signal(metrcStatusSignal, status);
    return true;
  } catch {
    return false; // the order workflow is gone; the submission record still tells the story
  }
}

/**
 * Reports go out alongside the workflow's next step (a child start, an activity, the
 * completion) and are awaited only before the next report, instead of each costing a workflow
 * task of its own. Each carries a sequence number so the order can drop a stale one.
 */
export function orderReporter(orderId: string): (status: MetrcStatusSignal) => Promise<void> {
  let seq = 0;
  let last: Promise<unknown> = Promise.resolve();
  return async (status) => {
    await last;
    last = tellOrder(orderId, { ...status, seq: ++seq });
  };
}
