/**
 * bench:reports — the sales report over REPORT_BENCH_ORDERS orders (default 100,000; the issue's
 * target is 1,000,000) through the report workflow (worker/main.ts, WORKER_QUEUES=reports, as
 * deployed: keyset pages, heartbeats, progress rows, file chunks in the database) against a raw
 * streaming SELECT of the same rows (one query per sales period, no paging) written to the same
 * csv-stringify writer, in the same run. Prints rows/s of each and the ratio (goal ≥ 0.7), checks
 * both produced the same row count, and samples the worker's RSS (goal: flat, < 300 MB).
 *
 * The worker is the deployed `reports` process kind (temporal.config.ts WORKER_PROCESSES: its queue
 * and NODE_OPTIONS). REPORT_BENCH_RUNS=n runs the same report n times in a row on the one worker
 * (default 1), RSS after each: flat means a second report keeps no more than the first.
 * REPORT_BENCH_WORKER_QUEUES gives the worker other queues (e.g. the former core set
 * `orders,compliance,reports,notifications`), REPORT_BENCH_WORKER_NODE_OPTIONS other flags. The worker logs its
 * memory by start-up phase and every 5 s (WORKER_MEMORY_LOG_MS, worker/memoryLog.ts); the bench prints
 * those lines. NODE_OPTIONS set for the bench reaches the worker too (before the kind's flags), and
 * so does MALLOC_ARENA_MAX.
 *
 * This process is the load generator and the baseline; Temporal's dev server and the database are
 * set up like the integration tests'.
 *   npm run bench:reports                     REPORT_BENCH_ORDERS=1000000 npm run bench:reports
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { stringify } from 'csv-stringify';
import mysql from 'mysql2';
import { setup, teardown } from '../test/setup/global.js';
import { WORKER_PROCESSES, workerNodeOptions } from '../temporal.config.js';
import { prebuildWorkflowBundle } from '../worker/workers.js';

const ORDERS = Number(process.env.REPORT_BENCH_ORDERS ?? 100_000);
const RUNS = Math.max(1, Number(process.env.REPORT_BENCH_RUNS ?? 1));
const WORKER_QUEUES = process.env.REPORT_BENCH_WORKER_QUEUES ?? WORKER_PROCESSES.reports.queues.join(',');
/** As deployed (temporal.config.ts WORKER_PROCESSES.reports); REPORT_BENCH_WORKER_NODE_OPTIONS replaces it (`''`: V8's defaults). */
const WORKER_NODE_OPTIONS = process.env.REPORT_BENCH_WORKER_NODE_OPTIONS ?? workerNodeOptions('reports');
const DAYS = 365;
const WHOLESALERS = 10;
const RETAILERS = 40;
const PRODUCTS_PER_WHOLESALER = 20;
const FROM = '2024-01-01';
const TO = '2024-12-30'; // 365 days, inclusive

const rssMb = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

/** The worker's `worker memory` log lines (worker/memoryLog.ts), as they arrive. */
const memoryLines: Array<{ at: number; phase: string; memory: Record<string, unknown> }> = [];

function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    env: { WORKER_MEMORY_LOG_MS: '5000', ...process.env, ...env, WORKER_QUEUES, NODE_OPTIONS: WORKER_NODE_OPTIONS, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let partial = '';
  proc.stdout!.on('data', (b: Buffer) => {
    const lines = (partial + b.toString()).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      if (!l.includes('"worker memory"')) continue;
      try {
        const j = JSON.parse(l) as { phase: string; memory: Record<string, unknown> };
        memoryLines.push({ at: Date.now(), phase: j.phase, memory: j.memory });
      } catch {
        // not JSON: ignore
      }
    }
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('worker polling task queues')) {
        out = '';
        resolve(proc);
      } else if (out.length > 100_000) out = out.slice(-10_000);
    });
    proc.stderr!.on('data', () => {});
    proc.on('exit', (code) => reject(new Error(`worker exited early (${code}): ${out.slice(-2000)}`)));
  });
}

async function main() {
  await setup(undefined as never);
  const { closeDeps, createDeps, temporalClient } = await import('../test/support/harness.js');
  const { insertReport } = await import('../db/repositories/reports.js');
  const { REPORT_WORKFLOW_TYPE, reportWorkflowId } = await import('../contracts/index.js');
  const { periodWindows } = await import('../domain/reports/periods.js');
  const { temporalSettings } = await import('../temporal.config.js');
  const deps = createDeps({ LOG_LEVEL: 'error' });
  const db = deps.sequelize;

  // ---- seed: parties, locations, products, ORDERS orders of 2 lines each spread over the year
  const t0 = Date.now();
  const id = () => randomUUID();
  // Orders and lines get ascending ids (and order numbers), as the time-ordered ids of a real
  // intake would: random UUIDs scatter every insert over the primary keys, and once the tables
  // outgrow InnoDB's buffer pool (128 MB here) seeding slows down superlinearly (100k orders in
  // 39 s, 200k in 244 s at load ~15). The report's queries do not depend on the ids' order.
  let seq = 0;
  const seqId = () => `00000000-0000-4000-8000-${(++seq).toString(16).padStart(12, '0')}`;
  const ent = (type: string, i: number) => ({ id: id(), type, i });
  const wholesalers = Array.from({ length: WHOLESALERS }, (_, i) => ent('wholesaler', i));
  const retailers = Array.from({ length: RETAILERS }, (_, i) => ent('retailer', i));
  for (const e of [...wholesalers, ...retailers]) {
    await db.query(`INSERT INTO entities (id, type, name, license_number, license_state, license_type) VALUES (?, ?, ?, ?, 'CO', 'x')`, { replacements: [e.id, e.type, `${e.type} ${e.i}, "bench"`, `B-${e.id.slice(0, 12)}`] });
  }
  const loc = new Map<string, string>();
  for (const e of [...wholesalers, ...retailers]) {
    const l = id();
    loc.set(e.id, l);
    await db.query(`INSERT INTO locations (id, entity_id, name, address_line1, city, state, postal_code, license_number) VALUES (?, ?, 'L', 'a', 'c', 'CO', '1', ?)`, { replacements: [l, e.id, `BL-${l.slice(0, 12)}`] });
  }
  const products = wholesalers.flatMap((w) => Array.from({ length: PRODUCTS_PER_WHOLESALER }, (_, i) => ({ id: id(), variant: id(), w: w.id, i })));
  for (const p of products) {
    await db.query('INSERT INTO products (id, entity_id, name, category) VALUES (?, ?, ?, ?)', { replacements: [p.id, p.w, `Prodüct ${p.i}`, 'Flower'] });
    await db.query('INSERT INTO product_variants (id, product_id, entity_id, sku, name, price_minor) VALUES (?, ?, ?, ?, ?, ?)', { replacements: [p.variant, p.id, p.w, `S-${p.variant.slice(0, 8)}`, 'v', 1000 + p.i] });
  }
  const start = Date.parse(`${FROM}T00:00:00Z`);
  const BATCH = 2000;
  for (let b = 0; b < ORDERS; b += BATCH) {
    const orders: unknown[] = [];
    const items: unknown[] = [];
    const n = Math.min(BATCH, ORDERS - b);
    for (let k = 0; k < n; k++) {
      const i = b + k;
      const w = wholesalers[i % WHOLESALERS]!;
      const r = retailers[(i * 7) % RETAILERS]!;
      const oid = seqId();
      const at = new Date(start + Math.floor((i / ORDERS) * DAYS * 86_400_000));
      const mine = products.filter((p) => p.w === w.id);
      const lines = [mine[i % PRODUCTS_PER_WHOLESALER]!, mine[(i + 3) % PRODUCTS_PER_WHOLESALER]!];
      orders.push(oid, `BN-${String(i).padStart(8, '0')}`, r.id, w.id, loc.get(w.id), loc.get(r.id), 'delivered', at, at);
      for (const [j, p] of lines.entries()) items.push(seqId(), oid, p.id, p.variant, 1 + j, 1000 + p.i, (1 + j) * (1000 + p.i));
    }
    await db.query(
      `INSERT INTO orders (id, order_number, retailer_id, wholesaler_id, ship_from_location_id, ship_to_location_id, status, created_at, updated_at) VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(',')}`,
      { replacements: orders },
    );
    await db.query(
      `INSERT INTO order_items (id, order_id, product_id, variant_id, quantity, unit_price_minor, line_total_minor) VALUES ${Array.from({ length: n * 2 }, () => '(?, ?, ?, ?, ?, ?, ?)').join(',')}`,
      { replacements: items },
    );
  }
  console.log(`seeded ${ORDERS} orders (${ORDERS * 2} lines) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  // ---- baseline: one streaming SELECT per day, the same aggregate rows, the same CSV writer
  const windows = periodWindows(FROM, TO, 'day', 'UTC');
  const conn = mysql.createConnection({ uri: deps.config.databaseUrl.replace(/^mariadb:/, 'mysql:'), timezone: 'Z', supportBigNumbers: true });
  let rawRows = 0;
  let rawBytes = 0;
  const t1 = Date.now();
  for (const w of windows) {
    const rows = conn
      .query(
        `SELECT o.wholesaler_id, MAX(w.name) AS wholesaler, o.retailer_id, MAX(rt.name) AS retailer, oi.product_id, MAX(p.name) AS product,
                COUNT(DISTINCT o.id) AS orders, SUM(oi.quantity) AS units, SUM(oi.line_total_minor) AS revenue, o.currency
           FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN entities w ON w.id = o.wholesaler_id
           JOIN entities rt ON rt.id = o.retailer_id JOIN products p ON p.id = oi.product_id
          WHERE o.created_at >= ? AND o.created_at < ? AND o.status NOT IN ('rejected', 'expired', 'cancelled')
          GROUP BY o.wholesaler_id, o.retailer_id, oi.product_id, o.currency ORDER BY o.wholesaler_id, o.retailer_id, oi.product_id, o.currency`,
        [w.from, w.to],
      )
      .stream();
    const toRecord = new Transform({
      objectMode: true,
      transform(r: Record<string, unknown>, _e, done) {
        rawRows++;
        done(null, [w.label, r.wholesaler_id, r.wholesaler, r.retailer_id, r.retailer, r.product_id, r.product, Number(r.orders), Number(r.units), Number(r.revenue), r.currency]);
      },
    });
    const sink = new Writable({ write(c: Buffer, _e, done) { rawBytes += c.length; done(); } });
    await pipeline(rows, toRecord, stringify({ record_delimiter: 'windows' }), sink);
  }
  const rawS = (Date.now() - t1) / 1000;
  conn.end();

  // ---- the report workflow on its own worker process
  await prebuildWorkflowBundle(); // the worker loads it as deployed, instead of keeping webpack's heap
  const worker = await spawnWorker({ LOG_LEVEL: 'error' });
  const tWorker = Date.now();
  const rssStart = rssMb(worker.pid!);
  let rssPeak = rssStart;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(worker.pid!))), 250);
  const client = await temporalClient(deps.config);
  const params = { type: 'sales', format: 'csv', from: FROM, to: TO, timezone: 'UTC', period: 'day', bom: false };
  let row: { status: string; rows_done: number; bytes: number } | undefined;
  let wfS = 0;
  const rssAfter: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const reportId = randomUUID();
    await insertReport(db, { id: reportId, type: 'sales', format: 'csv', params: JSON.stringify(params), entity_id: null, requested_by: 'bench', schedule_id: null, workflow_id: reportWorkflowId(reportId) });
    const t2 = Date.now();
    await client.workflow.start(REPORT_WORKFLOW_TYPE, { workflowId: reportWorkflowId(reportId), taskQueue: temporalSettings(deps.config).taskQueues.reports, args: [{ reportId }] });
    for (;;) {
      [[row]] = (await db.query('SELECT status, rows_done, bytes FROM reports WHERE id = ?', { replacements: [reportId] })) as unknown as [[typeof row]];
      if (row && row.status !== 'queued' && row.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The first run is the measured one (a later run finds the database's pages warm).
    if (run === 0) wfS = (Date.now() - t2) / 1000;
    rssAfter.push(rssMb(worker.pid!));
  }
  clearInterval(sampler);
  const rssEnd = rssMb(worker.pid!);
  // A worker whose shutdown hangs (its Temporal server goes with teardown) must not outlive the bench.
  const exited = new Promise((r) => worker.once('exit', r));
  worker.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');

  const wfRows = Number(row!.rows_done);
  const rawRate = rawRows / rawS;
  const wfRate = wfRows / wfS;
  console.log(`orders: ${ORDERS}; report rows: raw ${rawRows}, workflow ${wfRows} (${row!.status}); CSV bytes: raw ${rawBytes}, workflow ${row!.bytes}`);
  console.log(`raw streaming SELECT -> csv-stringify: ${rawS.toFixed(1)} s, ${rawRate.toFixed(0)} rows/s`);
  console.log(`report workflow (count + keyset pages + chunks): ${wfS.toFixed(1)} s, ${wfRate.toFixed(0)} rows/s`);
  console.log(`ratio ${(wfRate / rawRate).toFixed(2)} (goal >= 0.7)`);
  console.log(`worker RSS: start ${rssStart} MB, peak ${rssPeak} MB, end ${rssEnd} MB (goal < 300 MB); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`worker queues: ${WORKER_QUEUES}; NODE_OPTIONS '${WORKER_NODE_OPTIONS}'; RSS after each of ${RUNS} report(s): ${rssAfter.join(', ')} MB`);
  for (const m of memoryLines) console.log(`  worker memory ${((m.at - tWorker) / 1000).toFixed(1).padStart(6)} s ${m.phase}: ${JSON.stringify(m.memory)}`);
  await client.connection.close();
  await closeDeps(deps);
  await teardown();
  process.exit(0);
}

main().catch(async (err: unknown) => {
  console.error(err);
  await teardown().catch(() => undefined);
  process.exit(1);
});
