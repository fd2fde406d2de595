/**
 * The shape of the dependency drills: orders flow, reads poll, then a dependency stops for a while
 * and comes back on the same port, while the API and worker processes keep running (no restart).
 */
import { no5xx, orderChecks, type DrillContext } from './common.js';
import { driveOrders, readinessWatch, type OrderRun } from './load.js';
import { sleep, type Service } from './processes.js';
import type { Check } from './report.js';
import { verifyOrders } from './verify.js';

export interface OutageOptions {
  service: Service;
  /** The readiness name of the dependency (`mysql`, `redis`, `temporal`). */
  readinessName: string;
  orders: number;
  concurrency: number;
  /** When the dependency stops, after the load starts. */
  stopAfterMs: number;
  downMs: number;
  signal?: NodeJS.Signals;
  /** Runs while the dependency is down (the drill's own probes). */
  whileDown?: () => Promise<void>;
  /** Runs once it is back and ready (before the load ends). */
  afterRecovery?: () => Promise<void>;
}

export async function outage(ctx: DrillContext, o: OutageOptions): Promise<{ runs: OrderRun[]; checks: Check[] }> {
  const { stack, world, http } = ctx;
  const pids = [...stack.apis, ...stack.workers].map((p) => p.pid);
  const watch = readinessWatch(stack.apis[0]!.url);
  let stopping = false;
  // Reads alongside the orders, on every API process: lists (cached and not) and one order.
  const reader = (async () => {
    const w = world.wholesalers[0]!;
    while (!stopping) {
      await http.send('GET', '/orders?limit=5', undefined, w.headers);
      await http.send('GET', `/products?limit=5`, undefined, world.admin);
      await sleep(200);
    }
  })();
  const load = driveOrders({ http, world, count: o.orders, concurrency: o.concurrency, tag: ctx.tag, deadline: Date.now() + (ctx.short ? 240_000 : 900_000) });
  await sleep(o.stopAfterMs);
  const before = { ...http.counts };
  const stoppedAt = Date.now();
  await o.service.stop(o.signal ?? 'SIGTERM');
  const whileDown = o.whileDown?.();
  await sleep(o.downMs);
  await whileDown;
  const during = { s2xx: http.counts.s2xx - before.s2xx, s503: http.counts.s503 - before.s503, s5xx: http.counts.s5xx - before.s5xx };
  const restartedAt = Date.now();
  await o.service.start();
  const listening = Date.now();
  // Ready again: the first green readiness after the restart.
  let greenAt: number | undefined;
  for (let i = 0; i < 240 && !greenAt; i++) {
    greenAt = watch.greenAt(listening);
    if (!greenAt) await sleep(250);
  }
  await o.afterRecovery?.();
  const runs = await load;
  stopping = true;
  await reader;
  await watch.stop();
  // Workflows finish their last steps after the driver's answer: give the read model a moment.
  await sleep(1000);
  ctx.outcome = await verifyOrders(stack, world, runs, ctx.tag);
  const sameProcesses = [...stack.apis, ...stack.workers].every((p, i) => p.running() && p.pid === pids[i]);
  ctx.figures.push(
    [`${o.service.name} down for (s)`, ((restartedAt - stoppedAt) / 1000).toFixed(1)],
    [`${o.service.name} start-up until listening (s)`, ((listening - restartedAt) / 1000).toFixed(1)],
    ['while down: answered 2xx / 503 / other 5xx', `${during.s2xx} / ${during.s503} / ${during.s5xx}`],
    ['readiness went red naming', watch.redDown().join(', ') || '-'],
    ['time to recover: listening → /readyz green (s)', greenAt ? ((greenAt - listening) / 1000).toFixed(1) : 'never'],
  );
  const checks: Check[] = [
    no5xx(http),
    { what: `readiness red naming ${o.readinessName} while down`, ok: watch.redDown().includes(o.readinessName), detail: watch.redDown().join(', ') },
    { what: 'readiness green again without a process restart', ok: greenAt !== undefined && sameProcesses },
    ...orderChecks(ctx.outcome, o.orders),
  ];
  return { runs, checks };
}
