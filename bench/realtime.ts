/**
 * `npm run bench:realtime`: WebSocket fan-out of one API process. REALTIME_BENCH_SOCKETS (default
 * 5000) subscribers over REALTIME_BENCH_TENANTS tenants (default 10), opened by a separate process
 * (bench/lib/wsSubscribers.ts); events for the tenants in turn at REALTIME_BENCH_RATE per second
 * (default 50) for REALTIME_BENCH_SECONDS (default 10).
 *
 * API side: the API's realtime module (api/realtime/events.ts attachRealtime) on the API's HTTP
 * server, events entering as the order-events relay writes them (XADD to trellis:events, Redis
 * db 9), stamped with the monotonic clock just before the XADD (the commit). Socket authentication
 * is the bench's own (a tenant header) and the heartbeat's credential re-check answers yes: this
 * measures fan-out, not sign-in. Baseline, same process, same run, same subscribers' code: a bare
 * `ws` server given the same events directly, filtering by tenant the same way.
 * Prints per side: deliveries/s, latency stamp→receipt p50/p99, RSS per idle connection, events
 * lost (for each tenant, published minus what its worst-served socket received, times its sockets:
 * 0 means every socket got every event of its tenant), to the wrong tenant, twice.
 * Goals (issue 22): ratio >= 0.5, p99 <= 250 ms, <= 50 KB per idle connection, zero lost/wrong.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { IncomingMessage, Server } from 'node:http';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Actor } from '../domain/actor.js';
import { attachRealtime, EVENTS_STREAM, EVENTS_PATH, visibleTo } from '../api/realtime/events.js';
import { loadConfig } from '../platform/config.js';
import { createHttpServer } from '../platform/httpServer.js';
import { createRedis } from '../platform/redis.js';
import { listen } from './lib/app.js';

const SOCKETS = Number(process.env.REALTIME_BENCH_SOCKETS ?? 5000);
const TENANTS = Number(process.env.REALTIME_BENCH_TENANTS ?? 10);
const RATE = Number(process.env.REALTIME_BENCH_RATE ?? 50);
const SECONDS = Number(process.env.REALTIME_BENCH_SECONDS ?? 10);

type Publish = (event: Record<string, string>) => Promise<void>;

const actorFor = (req: IncomingMessage): Actor | null => {
  const tenant = req.headers['x-bench-tenant'];
  return typeof tenant === 'string' ? { kind: 'api_key', id: `bench-${tenant}`, role: 'partner', entityId: tenant, scopes: ['orders:read'] } : null;
};

function rssMb() {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
}

async function subscribers(url: string): Promise<{ child: ChildProcessWithoutNullStreams; lines: AsyncIterator<string> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./lib/wsSubscribers.ts', import.meta.url))], {
    env: { ...process.env, WS_URL: url, WS_COUNT: String(SOCKETS), WS_TENANTS: String(TENANTS) },
  });
  child.stderr.on('data', (d: Buffer) => process.stderr.write(`[subscribers] ${d.toString()}`));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== 'ready') throw new Error(`subscribers did not start: ${String(first.value)}`);
  return { child, lines };
}

async function measure(name: string, server: Server, publish: Publish) {
  const url = (await listen(server)).replace('http:', 'ws:') + EVENTS_PATH;
  const before = rssMb();
  const opened = performance.now();
  const { child, lines } = await subscribers(url);
  const openS = (performance.now() - opened) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  const idle = rssMb();
  const total = RATE * SECONDS;
  const published = new Map<string, number>();
  const start = performance.now();
  for (let k = 0; k < total; k++) {
    const due = start + (k * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const tenant = `tenant-${k % TENANTS}`;
    published.set(tenant, (published.get(tenant) ?? 0) + 1);
    await publish({ type: 'order.status', entity_id: tenant, order_id: `bench-${k}`, status: 'accepted', t_ns: String(process.hrtime.bigint()) });
  }
  const publishS = (performance.now() - start) / 1000;
  await new Promise((r) => setTimeout(r, 3000)); // drain
  child.stdin.write('stop\n');
  const summary = JSON.parse((await lines.next()).value as string) as {
    deliveries: number;
    p50: number;
    p99: number;
    max: number;
    wrongTenant: number;
    duplicates: number;
    closedEarly: number;
    byTenant: Record<string, { min: number; max: number }>;
  };
  let lost = 0;
  for (const [tenant, n] of published) {
    const seen = summary.byTenant[tenant];
    lost += Math.max(0, n - (seen?.min ?? 0)) * (SOCKETS / TENANTS);
  }
  const expected = [...published.values()].reduce((a, n) => a + n * (SOCKETS / TENANTS), 0);
  const perConnKb = ((idle - before) * 1024) / SOCKETS;
  console.log(
    `  ${name.padEnd(11)} ${SOCKETS} sockets open in ${openS.toFixed(1)} s; ${summary.deliveries} of ${expected} deliveries, ${(summary.deliveries / publishS).toFixed(0)}/s; ` +
      `latency p50 ${summary.p50.toFixed(1)} ms p99 ${summary.p99.toFixed(1)} ms max ${summary.max.toFixed(1)} ms; RSS ${before.toFixed(0)} -> ${idle.toFixed(0)} MB idle = ${perConnKb.toFixed(1)} KB/connection; ` +
      `lost ${lost}, wrong tenant ${summary.wrongTenant}, duplicates ${summary.duplicates}, closed early ${summary.closedEarly}`,
  );
  return { rate: summary.deliveries / publishS, ...summary, lost, expected, perConnKb };
}

async function main() {
  const redisUrl = new URL(loadConfig().redisUrl);
  redisUrl.pathname = '/9';
  const redis = createRedis(process.env.BENCH_REDIS_URL ?? redisUrl.toString(), 'trellis-bench-realtime');

  // Baseline: a bare ws server given each event directly.
  const bareServer = createHttpServer((_req, res) => res.writeHead(404).end());
  const bareWss = new WebSocketServer({ noServer: true });
  const bareActors = new WeakMap<WebSocket, Actor>();
  bareServer.on('upgrade', (req, socket, head) => {
    const actor = actorFor(req);
    if (!actor) return socket.destroy();
    bareWss.handleUpgrade(req, socket, head, (ws) => {
      bareActors.set(ws, actor);
      ws.send(JSON.stringify({ type: 'hello' }));
    });
  });
  let bareSeq = 0;
  const barePublish: Publish = async (fields) => {
    const event = { id: `${Date.now()}-${bareSeq++}`, ...fields };
    for (const ws of bareWss.clients) if (visibleTo(bareActors.get(ws)!, event)) ws.send(JSON.stringify({ type: 'event', event }));
  };

  // The API's realtime module.
  const apiServer = createHttpServer((_req, res) => res.writeHead(404).end());
  const realtime = attachRealtime(apiServer, redis, async (req) => actorFor(req), { heartbeatMs: 60_000, stillValid: async () => true });
  const apiPublish: Publish = async (fields) => {
    await redis.xadd(EVENTS_STREAM, 'MAXLEN', '~', '100000', '*', ...Object.entries(fields).flat());
  };

  console.log(`realtime fan-out: ${SOCKETS} sockets, ${TENANTS} tenants, ${RATE} events/s for ${SECONDS} s (each event to ${SOCKETS / TENANTS} sockets); load average ${os.loadavg()[0]!.toFixed(1)}`);
  try {
    const bare = await measure('bare ws', bareServer, barePublish);
    for (const ws of bareWss.clients) ws.terminate();
    const api = await measure('trellis api', apiServer, apiPublish);
    const ratio = api.rate / bare.rate;
    console.log(`  ratio (api / bare deliveries/s) ${ratio.toFixed(2)} (goal >= 0.5); api p99 ${api.p99.toFixed(1)} ms (goal <= 250); api ${api.perConnKb.toFixed(1)} KB per idle connection (goal <= 50)`);
    const bad = api.lost + api.wrongTenant + api.duplicates + bare.lost + bare.wrongTenant;
    if (bad) throw new Error(`EVENTS LOST OR MISDELIVERED: api lost ${api.lost}, wrong tenant ${api.wrongTenant}, duplicates ${api.duplicates}; bare lost ${bare.lost}, wrong ${bare.wrongTenant}`);
  } finally {
    await realtime.close();
    bareWss.close();
    bareServer.closeAllConnections();
    apiServer.closeAllConnections();
    bareServer.close();
    apiServer.close();
    redis.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
