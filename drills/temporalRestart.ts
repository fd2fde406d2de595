/**
 * temporal-restart: the Temporal server stops mid-load and starts again (its state kept on disk,
 * as a real cluster keeps it). Starting an order while it is down is a 503 and saves nothing;
 * reads keep working; afterwards the workflows carry on and every order completes.
 */
import { runDrill } from './lib/common.js';
import { outage } from './lib/outage.js';
import type { DrillResult } from './lib/report.js';

export function temporalRestart(short: boolean): Promise<DrillResult> {
  const orders = short ? 8 : 150;
  return runDrill('temporal-restart', short, { apis: 1, workers: 1, orders }, async (ctx) => {
    const r = await outage(ctx, {
      service: ctx.stack.temporal,
      readinessName: 'temporal',
      orders,
      concurrency: short ? 10 : 20,
      stopAfterMs: short ? 2000 : 10_000,
      downMs: short ? 5000 : 20_000,
    });
    ctx.checks.push(...r.checks);
  });
}
