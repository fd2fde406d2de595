/**
 * Demo orders are loaded straight into the database, so the open ones have no workflow yet.
 * Once the hub is up, `npm start` hands each such `submitted` order to an orderLifecycle workflow
 * (its acceptance deadline counted from now), so the console can act on it like any new order.
 * Idempotent: a second run finds nothing to adopt, and the workflow id is one per order.
 */
import { createLifecycleClient } from '../api/services/orderLifecycle.js';
import { orderWorkflowId } from '../contracts/ids.js';
import { createSequelize } from '../db/connection.js';
import type { Config } from '../platform/config.js';
import { LazyTemporalClient } from '../platform/temporal.js';
import { temporalSettings } from '../temporal.config.js';

export async function adoptOpenOrders(config: Config): Promise<number> {
  const sequelize = createSequelize(config.databaseUrl, 2);
  const temporal = new LazyTemporalClient(temporalSettings(config));
  try {
    const lifecycle = createLifecycleClient({ config, temporal });
    const [rows] = await sequelize.query(
      `SELECT o.*, r.name AS retailer_name, w.name AS wholesaler_name
         FROM orders o JOIN entities r ON r.id = o.retailer_id JOIN entities w ON w.id = o.wholesaler_id
        WHERE o.status = 'submitted' AND o.workflow_id IS NULL`,
    );
    const now = new Date();
    for (const row of rows as Array<Record<string, unknown>>) {
      await lifecycle.start(row, now, { retailer: String(row.retailer_name), wholesaler: String(row.wholesaler_name) });
      await sequelize.query('UPDATE orders SET workflow_id = ?, expires_at = ? WHERE id = ? AND workflow_id IS NULL', {
        replacements: [orderWorkflowId(String(row.id)), lifecycle.deadlineFrom(now), row.id],
      });
    }
    return rows.length;
  } finally {
    await Promise.allSettled([sequelize.close(), temporal.close()]);
  }
}
