/**
 * Demo orders are loaded straight into the database, so the open ones have no workflow yet.
 * Once the hub is up, `npm start` hands each such order to an orderLifecycle workflow, so the
 * console can act on it like any other: a `submitted` one starts afresh (its acceptance deadline
 * counted from now); one already accepted, fulfilled, shipped or delivered is resumed where it
 * stands (its status, METRC progress and timeline seq; the stock it holds is already reserved).
 * Idempotent: a second run finds nothing to adopt, and the workflow id is one per order.
 */
import { createLifecycleClient } from '../api/services/orderLifecycle.js';
import { orderWorkflowId } from '../contracts/ids.js';
import type { MetrcInfo, OrderResume } from '../contracts/order.js';
import { createSequelize } from '../db/connection.js';
import { adoptOrder, ordersWithoutWorkflow } from '../db/repositories/orders.js';
import { isMetrcState, isOrderStatus } from '../domain/orders/status.js';
import type { Config } from '../platform/config.js';
import { LazyTemporalClient } from '../platform/temporal.js';
import { temporalSettings } from '../temporal.config.js';

const OPEN = ['submitted', 'accepted', 'fulfilled', 'shipped', 'delivered'];

function resumeOf(row: Record<string, unknown>): OrderResume | undefined {
  const status = row.status;
  if (status === 'submitted' || !isOrderStatus(status)) return undefined;
  const state = isMetrcState(row.metrc_state) ? row.metrc_state : 'none';
  const metrc: MetrcInfo = {
    state,
    ...(row.metrc_manifest_number ? { manifestNumber: String(row.metrc_manifest_number) } : {}),
    ...(row.metrc_template_id != null ? { templateId: Number(row.metrc_template_id) } : {}),
  };
  return { status, seq: Number(row.last_seq ?? 0), metrc };
}

export async function adoptOpenOrders(config: Config): Promise<number> {
  const sequelize = createSequelize(config.databaseUrl, 2);
  const temporal = new LazyTemporalClient(temporalSettings(config));
  try {
    const lifecycle = createLifecycleClient({ config, temporal });
    const rows = await ordersWithoutWorkflow(sequelize, OPEN);
    const now = new Date();
    for (const row of rows) {
      const resume = resumeOf(row);
      await lifecycle.start(row, now, { retailer: String(row.retailer_name), wholesaler: String(row.wholesaler_name) }, resume);
      await adoptOrder(sequelize, String(row.id), orderWorkflowId(String(row.id)), resume ? undefined : lifecycle.deadlineFrom(now));
    }
    return rows.length;
  } finally {
    await Promise.allSettled([sequelize.close(), temporal.close()]);
  }
}
