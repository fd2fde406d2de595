/**
 * The order's writes: every step goes to the read model through the idempotent recordOrderEvent
 * activity, then onto the in-memory timeline. The read model and stock steps are short database
 * writes in this worker's own process, so they run as local activities (one marker each instead
 * of a task round trip through the server).
 */
import { proxyActivities, proxyLocalActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { Activities } from '../../activities/index.js';
import type { ActorRef, OrderEventInput } from '../../contracts/order.js';
import { ORDER_SEARCH_ATTRIBUTES } from '../../contracts/searchAttributes.js';
import type { OrderStatus } from '../../domain/orders/status.js';
import { toRetryPolicy } from '../retry.js';
import { PENDING, SYSTEM, type OrderRun } from './state.js';

export type OrderSteps = ReturnType<typeof orderSteps>;

export function orderSteps(run: OrderRun) {
  const { input } = run;
  const retry = toRetryPolicy(input.retry);
  // What is decided must land: keep retrying (non-retryable types such as NotFound still stop).
  const untilDone: RetryPolicy = {
    initialInterval: retry.initialInterval,
    backoffCoefficient: retry.backoffCoefficient,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: retry.nonRetryableErrorTypes,
  };
  const tryOnce = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry });
  const must = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: untilDone });
  const notify = proxyActivities<Activities>({ taskQueue: input.taskQueues.notifications, startToCloseTimeout: '30 seconds', retry });

  async function record(event: Omit<OrderEventInput, 'orderId' | 'seq' | 'at'>): Promise<void> {
    const entry: OrderEventInput = {
      ...event,
      orderId: input.orderId,
      seq: ++run.seq,
      at: new Date(Date.now()).toISOString(),
      // Lets the activity write without reading the order back (one round trip).
      order: { number: input.orderNumber, retailerId: input.retailerId, wholesalerId: input.wholesalerId, status: event.to ?? run.status },
    };
    // Reserving may fail for the caller (too little stock: nothing written) and retries a few
    // times only; every other step must land once decided.
    await (event.stock === 'reserve' ? tryOnce : must).recordOrderEvent(entry);
    run.timeline.push({
      seq: entry.seq,
      type: entry.type,
      actor: entry.actor,
      at: entry.at,
      ...(entry.from ? { from: entry.from } : {}),
      ...(entry.to ? { to: entry.to } : {}),
      ...(entry.reason ? { reason: entry.reason } : {}),
      ...(entry.metrc ? { metrc: entry.metrc } : {}),
    });
  }

  return {
    record,

    async moveTo(to: OrderStatus, actor: ActorRef, extra: Partial<OrderEventInput> = {}): Promise<void> {
      await record({ type: 'status_changed', from: run.status, to, actor, ...extra });
      run.status = to;
      run.step = PENDING[to];
      upsertSearchAttributes([{ key: ORDER_SEARCH_ATTRIBUTES.OrderStatus, value: run.status }]);
    },

    releaseStock: () => must.releaseStock({ orderId: input.orderId }),

    /** The wholesaler is reminded of an order still waiting for acceptance. */
    async remind(n: number): Promise<void> {
      const entry = { seq: ++run.seq, at: new Date(Date.now()).toISOString() };
      await notify.notifyOrderReminder({
        orderId: input.orderId,
        orderNumber: input.orderNumber,
        ...entry,
        deadline: input.expiresAt,
        recipientEntityId: input.wholesalerId,
      });
      run.timeline.push({ ...entry, type: 'reminder_sent', actor: SYSTEM, reason: `reminder ${n}` });
    },
  };
}
