import type { OrderStatus } from './status.js';

/**
 * Orphaned orders (issue 14.3): an order's status moves only through its workflow, so an order
 * still open whose workflow has ended — terminated, cancelled, timed out, failed, or gone — would
 * hold its stock for ever and offer actions nobody can carry out. The reconciler (workflow
 * ordersReconciler on a Schedule) cancels such an order, releases what it holds and says why on
 * its timeline. Pure: the activity asks Temporal and writes; this decides.
 */
export const ORDERS_RECONCILER_SCHEDULE_ID = 'orders-reconciler';
export const ORDERS_RECONCILER_WORKFLOW = 'ordersReconciler';
export const ORDERS_RECONCILER_INTERVAL = '5 minutes';

/**
 * Orders the reconciler cancels: those that hold stock or wait for the seller. A shipped or
 * delivered order holds nothing and its goods have left; staff settle those by hand.
 */
export const RECONCILABLE_STATUSES: readonly OrderStatus[] = ['submitted', 'accepted', 'fulfilled'];

/**
 * An order is only judged once its row has been still this long: the API writes the row before it
 * starts the workflow, so a brand-new order has no workflow for a moment.
 */
export const ORPHAN_GRACE_MS = 2 * 60_000;

const CLOSED: Record<string, string> = {
  TERMINATED: 'was terminated',
  CANCELLED: 'was cancelled',
  TIMED_OUT: 'timed out',
  FAILED: 'failed',
  COMPLETED: 'completed without closing the order',
  NOT_FOUND: 'does not exist',
};

/**
 * Why the order is orphaned, or undefined while its workflow runs (or its state is one this code
 * does not know, or could not be read: never cancel on doubt).
 */
export function orphanReason(status: OrderStatus, workflow: { status: string; reason?: string }): string | undefined {
  if (!RECONCILABLE_STATUSES.includes(status)) return undefined;
  const what = CLOSED[workflow.status];
  if (!what) return undefined;
  const why = workflow.reason ? ` (${workflow.reason})` : '';
  return `cancelled by the reconciler: the order's workflow ${what}${why} while the order was ${status}; held stock released`;
}
