/**
 * The shape of the dependency drills: orders flow, reads poll, then a dependency stops for a while
 * and comes back on the same port, while the API and worker processes keep running (no restart).
 */
import { QueryTypes } from 'sequelize';
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
  /** What an order placed while it is down gets: refused with a 503 (default), or accepted (201). */
  placeWhileDown?: 'refused' | 'accepted';
  /** Runs while the dependency is down (the drill's own probes). */
  whileDown?: () => Promise<void>;
  /** Runs once it is back and ready (before the load ends). */
  afterRecovery?: () => Promise<void>;
}

export async function outage(ctx: DrillContext, o: OutageOptions): Promise<{ runs: OrderRun[]; checks: Check[] }> {
  const { stack, world, http } = ctx;
  // The processes running now (a shared hub keeps the workers a kill drill left dead in its list).
  const processes = [...stack.apis, ...stack.workers].filter((p) => p.running());
  const pids = processes.map((p) => p.pid);
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
  // One order placed while it is down, by a caller that does not retry: what does it get?
  const probe = (async () => {
    await sleep(Math.min(1000, o.downMs / 4));
    const w = world.wholesalers[0]!;
    const r = world.retailers[0]!;
    const t = Date.now();
    const body = { retailer_id: r.id, wholesaler_id: w.id, ship_from_location_id: w.location, ship_to_location_id: r.location, notes: `probe-${ctx.tag}`, items: [{ variant_id: w.variants[0], quantity: 1 }] };
    const a = await http.send('POST', '/orders', body, r.headers);
    return { status: a?.status ?? 0, code: a?.body?.error?.code as string | undefined, ms: Date.now() - t };
  })();
  const whileDown = o.whileDown?.();
  await sleep(o.downMs);
  await whileDown;
  const probed = await probe;
  const during = { s2xx: http.counts.s2xx - before.s2xx, s503: http.counts.s503 - before.s503, s5xx: http.counts.s5xx - before.s5xx };
  const restartedAt = Date.now();
  await o.service.start();
  const listening = Date.now();
  // Ready again: the first green readiness after the restart began. Not after `listening`: the
  // watch records transitions only, and the API can turn green while start() is still confirming
  // the port, which then read as "never green".
  let greenAt: number | undefined;
  for (let i = 0; i < 240 && !greenAt; i++) {
    greenAt = watch.greenAt(restartedAt);
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
  const probeSaved = await stack.deps.sequelize.query<{ n: number }>('SELECT COUNT(*) AS n FROM orders WHERE notes = ?', { replacements: [`probe-${ctx.tag}`], type: QueryTypes.SELECT });
  const sameProcesses = processes.every((p, i) => p.running() && p.pid === pids[i]);
  ctx.figures.push(
    [`${o.service.name} down for (s)`, ((restartedAt - stoppedAt) / 1000).toFixed(1)],
    [`${o.service.name} start-up until listening (s)`, ((listening - restartedAt) / 1000).toFixed(1)],
    ['while down: answered 2xx / 503 / other 5xx', `${during.s2xx} / ${during.s503} / ${during.s5xx}`],
    ['an order placed while down answered', `${probed.status} ${probed.code ?? ''} in ${(probed.ms / 1000).toFixed(1)} s; saved: ${Number(probeSaved[0]!.n)}`],
    ['readiness went red naming', watch.redDown().join(', ') || '-'],
    ['time to recover: listening → /readyz green (s)', greenAt ? (Math.max(0, greenAt - listening) / 1000).toFixed(1) : 'never'],
  );
  const checks: Check[] = [
    no5xx(http),
    { what: `readiness red naming ${o.readinessName} while down`, ok: watch.redDown().includes(o.readinessName), detail: watch.redDown().join(', ') },
    { what: 'readiness green again without a process restart', ok: greenAt !== undefined && sameProcesses },
    ...(o.placeWhileDown === 'accepted'
      ? [{ what: 'an order placed while down is accepted (201) and saved', ok: probed.status === 201 && Number(probeSaved[0]!.n) === 1, detail: `${probed.status}` }]
      : [
          { what: 'an order placed while down is a 503 envelope', ok: probed.status === 503 && probed.code === 'SERVICE_UNAVAILABLE', detail: `${probed.status} ${probed.code ?? ''}` },
          { what: 'a 503 placement saved nothing', ok: probed.status !== 503 || Number(probeSaved[0]!.n) === 0 },
        ]),
    ...orderChecks(ctx.outcome, o.orders),
  ];
  return { runs, checks };
}
