import { ApplicationFailure } from '@temporalio/common';
import { ORPHAN_GRACE_MS, RECONCILABLE_STATUSES, orphanReason } from '../domain/orders/reconcile.js';
import type { OrderStatus } from '../domain/orders/status.js';
import { workflowState } from '../platform/workflowState.js';
import type { ActivityDeps } from './deps.js';
import { nextEventSeq, quietOrders } from '../db/repositories/orders.js';
import { createInventoryActivities } from './inventory.js';
import { createOrderActivities } from './orders.js';

export interface ReconcileResult {
  /** Open orders checked against Temporal. */
  checked: number;
  /** Orders cancelled because their workflow had ended. */
  cancelled: number;
  /** Orders whose workflow Temporal could not be asked about this time (left as they were). */
  unknown: number;
}

const PAGE = 100;
const RECONCILER = { kind: 'system' as const, id: 'system', role: 'system' as const, label: 'order reconciler' };

export function createOrderReconcilerActivities(deps: ActivityDeps) {
  const { sequelize } = deps;
  const stock = createInventoryActivities(deps);
  const readModel = createOrderActivities(deps);

  return {
    /**
     * Cancels open orders whose workflow has ended (domain/orders/reconcile.ts): releases what
     * they hold, then writes the status change and its timeline row as the workflow would. Both
     * steps are idempotent (released holds are gone; the timeline row has a unique key), so a
     * retry after a crash between them finishes the job. Orders never handed to a workflow
     * (`workflow_id` NULL: demo orders until scripts/adopt-orders.ts runs) are not orphans.
     */
    async reconcileOrphanedOrders(input: { limit?: number; graceMs?: number } = {}): Promise<ReconcileResult> {
      if (!deps.temporal) throw ApplicationFailure.create({ type: 'ConfigurationError', message: 'no Temporal client for checking workflows' });
      const client = await deps.temporal();
      const limit = input.limit ?? 5_000;
      const graceMs = input.graceMs ?? ORPHAN_GRACE_MS;
      const result: ReconcileResult = { checked: 0, cancelled: 0, unknown: 0 };
      let after: string | undefined;
      while (result.checked < limit) {
        const rows = (await quietOrders(sequelize, RECONCILABLE_STATUSES, graceMs, after, PAGE)) as Array<{ id: string; workflow_id: string | null; status: OrderStatus; order_number: string; retailer_id: string; wholesaler_id: string }>;
        if (rows.length === 0) break;
        for (const order of rows) {
          result.checked++;
          let reason: string | undefined;
          try {
            reason = orphanReason(order.status, await workflowState(client, order.workflow_id!, { reason: true }));
          } catch {
            result.unknown++;
            continue;
          }
          if (!reason) continue;
          await stock.releaseStock({ orderId: order.id });
          const seq = await nextEventSeq(sequelize, order.id);
          await readModel.recordOrderEvent({
            orderId: order.id,
            seq: Number(seq),
            type: 'status_changed',
            actor: RECONCILER,
            at: new Date().toISOString(),
            from: order.status,
            to: 'cancelled',
            reason,
            order: { number: order.order_number, retailerId: order.retailer_id, wholesalerId: order.wholesaler_id, status: 'cancelled' },
          });
          result.cancelled++;
        }
        after = rows[rows.length - 1]!.id;
      }
      return result;
    },
  };
}
