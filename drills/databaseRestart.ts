/**
 * database-restart: MariaDB stops mid-load and starts again on the same port. While it is down
 * every answer is a 503 envelope (never a 500); readiness goes red, then green; the API's and
 * workers' pools reconnect by themselves; every order answered 201 exists with its workflow, and
 * the activities that failed meanwhile were retried to success (every order completes).
 */
import { runDrill } from './lib/common.js';
import { outage } from './lib/outage.js';
import type { DrillResult } from './lib/report.js';

export function databaseRestart(short: boolean): Promise<DrillResult> {
  const orders = short ? 8 : 150;
  return runDrill('database-restart', short, { apis: 1, workers: 1, orders }, async (ctx) => {
    const r = await outage(ctx, {
      service: ctx.stack.db,
      readinessName: 'mysql',
      orders,
      concurrency: short ? 10 : 20,
      stopAfterMs: short ? 2000 : 10_000,
      downMs: short ? 5000 : 20_000,
    });
    ctx.checks.push(...r.checks);
  });
}
