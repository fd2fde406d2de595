import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ReconcileResult } from '../activities/orderReconciler.js';
import { toRetryPolicy, type RetryInput } from './retry.js';

export interface OrdersReconcilerInput {
  retry?: RetryInput;
  /** Most open orders checked per execution; the next tick carries on. */
  limit?: number;
  /** How long an order's row must have been still before it is judged (tests set 0). */
  graceMs?: number;
}

/**
 * One pass of the orders reconciler, started by Schedule `orders-reconciler`: cancels open orders
 * whose workflow has ended, releasing their stock (domain/orders/reconcile.ts).
 */
export async function ordersReconciler(input: OrdersReconcilerInput = {}): Promise<ReconcileResult> {
  const { reconcileOrphanedOrders } = proxyActivities<Activities>({
    startToCloseTimeout: '5 minutes',
    retry: toRetryPolicy(input.retry),
  });
  return reconcileOrphanedOrders({
    ...(input.limit !== undefined ? { limit: input.limit } : {}),
    ...(input.graceMs !== undefined ? { graceMs: input.graceMs } : {}),
  });
}
