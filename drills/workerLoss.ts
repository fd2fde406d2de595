/**
 * worker-loss: two worker processes share the task queues; every few seconds one of them is
 * SIGKILLed (no graceful shutdown, activities cut mid-flight) and a replacement started, while
 * orders run their whole lifecycle. Every order completes; nothing is done twice.
 */
import { no5xx, orderChecks, runDrill } from './lib/common.js';
import { driveOrders } from './lib/load.js';
import { sleep } from './lib/processes.js';
import type { DrillResult } from './lib/report.js';
import { verifyOrders } from './lib/verify.js';

export function workerLoss(short: boolean): Promise<DrillResult> {
  const orders = short ? 10 : 200;
  const everyMs = short ? 4000 : 5000;
  return runDrill('worker-loss', short, { apis: 1, workers: 2, orders }, async (ctx) => {
    const { stack, world, http } = ctx;
    let stopping = false;
    let kills = 0;
    const startup: number[] = [];
    // Kill alternately: the oldest of the live workers goes, a new one takes its place at once.
    const killer = (async () => {
      await sleep(short ? 2000 : everyMs);
      while (!stopping) {
        const victim = stack.workers.find((w) => w.running());
        if (victim) {
          await victim.kill('SIGKILL');
          kills++;
          const replacement = stack.addWorker();
          const t = Date.now();
          // The next kill once the replacement polls: two workers share the queues again.
          await stack.polling(replacement).catch(() => undefined);
          startup.push(Date.now() - t);
        }
        await sleep(everyMs);
      }
    })();
    const runs = await driveOrders({ http, world, count: orders, concurrency: short ? 12 : 25, tag: ctx.tag, deadline: Date.now() + (short ? 150_000 : 600_000) });
    stopping = true;
    await killer;
    ctx.outcome = await verifyOrders(stack, world, runs, ctx.tag);
    ctx.figures.push(['workers SIGKILLed', kills], ['pause after a replacement polls (s)', everyMs / 1000], ['replacement start-up, mean (s)', startup.length ? (startup.reduce((a, b) => a + b, 0) / startup.length / 1000).toFixed(1) : '-']);
    ctx.checks.push({ what: 'workers were killed during the load', ok: kills >= (short ? 1 : 3), detail: `${kills}` }, ...orderChecks(ctx.outcome, orders), no5xx(http));
  });
}
