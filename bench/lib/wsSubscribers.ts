/**
 * The subscribers of bench:realtime, in their own process (the bench's process holds only the
 * servers): WS_COUNT sockets to WS_URL, socket i asking for tenant i % WS_TENANTS. Prints `ready`
 * once all are open; on `stop` (stdin) prints one JSON line: deliveries, latency from the event's
 * commit stamp (process.hrtime, one clock for the whole machine) to receipt, events of another
 * tenant, duplicates, and per-tenant counts per socket (min and max) so the bench can count losses.
 */
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

const url = process.env.WS_URL!;
const count = Number(process.env.WS_COUNT);
const tenants = Number(process.env.WS_TENANTS);

const latenciesUs: number[] = [];
let wrongTenant = 0;
let duplicates = 0;
let closedEarly = 0;
const perSocket: Array<{ tenant: string; seen: Set<string> }> = [];

function open(i: number): Promise<void> {
  const tenant = `tenant-${i % tenants}`;
  const me = { tenant, seen: new Set<string>() };
  perSocket.push(me);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { 'x-bench-tenant': tenant }, perMessageDeflate: false });
    ws.on('message', (raw: Buffer) => {
      const now = process.hrtime.bigint();
      const msg = JSON.parse(raw.toString('utf8')) as { type: string; event?: { id: string; entity_id?: string; t_ns?: string } };
      if (msg.type === 'hello') return resolve();
      if (msg.type !== 'event' || !msg.event) return;
      if (msg.event.entity_id !== tenant) wrongTenant += 1;
      if (me.seen.has(msg.event.id)) duplicates += 1;
      me.seen.add(msg.event.id);
      if (msg.event.t_ns) latenciesUs.push(Number((now - BigInt(msg.event.t_ns)) / 1000n));
    });
    ws.on('error', reject);
    ws.on('close', () => (closedEarly += 1));
  });
}

async function main() {
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < count) await open(next++);
    }),
  );
  closedEarly = 0;
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== 'stop') continue;
    latenciesUs.sort((a, b) => a - b);
    const pct = (p: number) => (latenciesUs.length ? latenciesUs[Math.min(latenciesUs.length - 1, Math.ceil((p / 100) * latenciesUs.length) - 1)]! / 1000 : NaN);
    const byTenant: Record<string, { min: number; max: number }> = {};
    for (const s of perSocket) {
      const t = (byTenant[s.tenant] ??= { min: Infinity, max: 0 });
      t.min = Math.min(t.min, s.seen.size);
      t.max = Math.max(t.max, s.seen.size);
    }
    process.stdout.write(
      `${JSON.stringify({ deliveries: latenciesUs.length, p50: pct(50), p99: pct(99), max: pct(100), wrongTenant, duplicates, closedEarly, byTenant })}\n`,
    );
    process.exit(0);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
