/**
 * One answer for the console's dashboard: order counts by status, orders per day and the
 * Temporal picture per task queue. Failed METRC submissions and sync health come from their own
 * endpoints, so this file does not depend on tables other features own.
 */
import { tenantOf, type Actor } from '../../domain/actor.js';
import { fulfilmentMinutes, metrcOutcomes, ordersByStatus, ordersPerDay, ordersPerDayByStatus } from '../../db/repositories/dashboard.js';
import type { ApiDeps } from '../deps.js';
import { sqlScope } from './tenancy.js';
import type { WorkflowService } from './workflows.js';

const DAYS = 14;
const FULFILMENT_DAYS = 30;
const METRC_DAYS = 7;
/** Temporal's visibility counts can lag under load: the order charts do not wait longer than this for them. */
const QUEUE_SUMMARY_MS = 5_000;

function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export function createDashboardService(deps: ApiDeps, workflows: WorkflowService) {
  async function orderCounts(actor: Actor) {
    const scope = sqlScope(actor, ['retailer_id', 'wholesaler_id']);
    const byStatus = await ordersByStatus(deps.sequelize, scope);
    const since = new Date(Date.now() - (DAYS - 1) * 86_400_000);
    since.setUTCHours(0, 0, 0, 0);
    const perDay = await ordersPerDay(deps.sequelize, scope, since);
    const counts = new Map(perDay.map((r) => [r.day, Number(r.n)]));
    const [split, fulfilment] = await Promise.all([
      ordersPerDayByStatus(deps.sequelize, scope, since),
      fulfilmentMinutes(deps.sequelize, scope, new Date(Date.now() - FULFILMENT_DAYS * 86_400_000)),
    ]);
    const statuses = new Map<string, Record<string, number>>();
    for (const r of split) statuses.set(r.day, { ...(statuses.get(r.day) ?? {}), [r.status]: Number(r.n) });
    const days = Array.from({ length: DAYS }, (_, i) => {
      const d = new Date(since.getTime() + i * 86_400_000).toISOString().slice(0, 10);
      return { day: d, count: counts.get(d) ?? 0, by_status: statuses.get(d) ?? {} };
    });
    return {
      by_status: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
      per_day: days,
      fulfilment: { days: FULFILMENT_DAYS, average_hours: fulfilment.avgMinutes === null ? null : Math.round(fulfilment.avgMinutes / 6) / 10, orders: fulfilment.count },
    };
  }

  return {
    async summary(actor: Actor) {
      const staff = !tenantOf(actor);
      const [orders, queues, metrc] = await Promise.all([
        orderCounts(actor),
        // Temporal being down must not blank the dashboard: the console shows the gap instead.
        staff ? within(QUEUE_SUMMARY_MS, workflows.queueSummary()).catch(() => null) : Promise.resolve(null),
        // METRC submissions are platform staff's business (the compliance endpoints are staff-only).
        staff ? metrcOutcomes(deps.sequelize, new Date(Date.now() - METRC_DAYS * 86_400_000)) : Promise.resolve(null),
      ]);
      return {
        generated_at: new Date().toISOString(),
        orders,
        workflows: queues,
        metrc: metrc && {
          days: METRC_DAYS,
          succeeded: metrc.succeeded,
          failed: metrc.failed,
          success_rate: metrc.succeeded + metrc.failed ? Math.round((metrc.succeeded / (metrc.succeeded + metrc.failed)) * 1000) / 1000 : null,
          open_failures: metrc.openFailures,
        },
      };
    },
  };
}
