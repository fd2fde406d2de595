/**
 * `npm run bench:big-table`: filtered order lists at production table sizes. Loads orders into a
 * scratch database with INSERT … SELECT from a numbers table (100k, then 1M rows), and at each
 * size times, through the real API over HTTP, the lists partners and the console use:
 * by wholesaler+status, by retailer+status, everything newest first, and pages 2..n. Prints
 * p50/p99 at 100k and 1M and their ratio (1.0 = no slowdown as the table grows), the plans
 * (EXPLAIN) and what a COUNT would cost versus the Redis-cached `total`, with the number of COUNT
 * statements the API sent per request as evidence that `total` is not a scan per request.
 * Targets: p99 <= 50 ms at 1M rows; 1M/100k close to 1.
 */
import type { Sequelize } from 'sequelize';
import { seedIfEmpty } from '../scripts/seed.js';
import { startBenchApi, type BenchApi } from './lib/app.js';
import { createSequelize, dropDatabase, freshDatabase } from './lib/db.js';
import { fmt, timeIt, type Timing } from './lib/stats.js';

const SIZES = [100_000, Number(process.env.BENCH_BIG_ROWS ?? 1_000_000)];
const CHUNK = 100_000;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const STATUSES = ['submitted', 'accepted', 'rejected', 'expired', 'fulfilled', 'shipped', 'delivered', 'completed', 'cancelled'];
const START = Date.parse('2024-01-01T00:00:00Z');

async function rows<T>(s: Sequelize, sql: string, replacements: unknown[] = []): Promise<T[]> {
  const [r] = await s.query(sql, { replacements });
  return r as T[];
}

/** Numbers 0..99999 and the trading parties (from the demo seed) indexed 0..n-1. */
async function prepare(s: Sequelize) {
  await s.query('CREATE TABLE bench_digits (d INT PRIMARY KEY)');
  await s.query('INSERT INTO bench_digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)');
  await s.query('CREATE TABLE bench_numbers (n INT PRIMARY KEY)');
  await s.query(`INSERT INTO bench_numbers SELECT a.d + 10*b.d + 100*c.d + 1000*d.d + 10000*e.d
    FROM bench_digits a, bench_digits b, bench_digits c, bench_digits d, bench_digits e`);
  for (const [table, types, pick] of [
    ['bench_w', "'wholesaler','both'", 'MIN'],
    ['bench_r', "'retailer','both'", 'MAX'],
  ] as const) {
    await s.query(`CREATE TABLE ${table} (i INT PRIMARY KEY, entity_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin, location_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin)`);
    await s.query(`INSERT INTO ${table}
      SELECT ROW_NUMBER() OVER (ORDER BY e.id) - 1, e.id, ${pick}(l.id)
      FROM entities e JOIN locations l ON l.entity_id = e.id WHERE e.type IN (${types}) GROUP BY e.id`);
  }
  const [w] = await rows<{ n: number }>(s, 'SELECT COUNT(*) AS n FROM bench_w');
  const [r] = await rows<{ n: number }>(s, 'SELECT COUNT(*) AS n FROM bench_r');
  return { wholesalers: Number(w!.n), retailers: Number(r!.n) };
}

/** Appends orders k = from..to-1; order k is k minutes after START, so the table grows forward in time. */
async function grow(s: Sequelize, from: number, to: number, parties: { wholesalers: number; retailers: number }) {
  const statuses = STATUSES.map((x) => `'${x}'`).join(',');
  for (let base = from; base < to; base += CHUNK) {
    const n = Math.min(CHUNK, to - base);
    await s.query(
      `INSERT INTO orders (id, order_number, retailer_id, wholesaler_id, ship_from_location_id, ship_to_location_id,
         status, currency, subtotal_minor, total_minor, item_count, version, created_at, updated_at)
       SELECT UUID(), CONCAT('BN-', LPAD(x.k, 10, '0')), r.entity_id, w.entity_id, w.location_id, r.location_id,
         ELT(1 + (x.k DIV ${parties.wholesalers}) % 9, ${statuses}), 'USD', 1000 + x.k % 90000, 1000 + x.k % 90000, 1 + x.k % 5, 1,
         x.t, x.t
       FROM (SELECT n + ? AS k, TIMESTAMPADD(MINUTE, n + ?, ?) AS t FROM bench_numbers WHERE n < ?) x
       JOIN bench_w w ON w.i = x.k % ${parties.wholesalers}
       JOIN bench_r r ON r.i = (x.k DIV ${parties.wholesalers * 9}) % ${parties.retailers}`,
      { replacements: [base, base, new Date(START), n] },
    );
  }
  await s.query('ANALYZE TABLE orders');
}

/** Counts the COUNT queries the API sends (Sequelize calls `logging` for every statement). */
function countQueries(sequelize: Sequelize): { read(): number } {
  let n = 0;
  (sequelize as unknown as { options: { logging: unknown } }).options.logging = (sql: string) => {
    if (/SELECT count\(/i.test(sql)) n += 1;
  };
  return { read: () => n };
}

async function measure(api: BenchApi, s: Sequelize) {
  const ws = await rows<{ entity_id: string }>(s, 'SELECT entity_id FROM bench_w ORDER BY i');
  const rs = await rows<{ entity_id: string }>(s, 'SELECT entity_id FROM bench_r ORDER BY i');
  const get = async (path: string) => {
    const res = await fetch(`${api.url}/api/v1${path}`, { headers: api.headers });
    const body = (await res.json()) as { data: unknown[]; pagination: { total: number } };
    if (res.status !== 200 || body.data.length === 0) throw new Error(`${path} → ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    return body;
  };
  const lists: Record<string, (i: number) => string> = {
    'wholesaler+status, newest first': (i) => `/orders?wholesaler_id=${ws[i % ws.length]!.entity_id}&status=${STATUSES[i % 9]}&limit=50`,
    'retailer+status, newest first': (i) => `/orders?retailer_id=${rs[i % rs.length]!.entity_id}&status=${STATUSES[(i * 5) % 9]}&limit=50`,
    'all orders, sort=-created_at': () => `/orders?sort=-created_at&limit=50`,
    'all orders, sort=created_at': () => `/orders?sort=created_at&limit=50`,
    'wholesaler+status, pages 2..10': (i) => `/orders?wholesaler_id=${ws[i % ws.length]!.entity_id}&status=completed&limit=50&page=${2 + (i % 9)}`,
    'all orders, pages 2..20': (i) => `/orders?limit=50&page=${2 + (i % 19)}`,
  };
  const counter = countQueries(api.deps.sequelize);
  const out: Record<string, Timing & { countsPerRequest: number }> = {};
  for (const [name, path] of Object.entries(lists)) {
    // Warm-up fills the count cache for every filter the timed run will use.
    for (let i = 0; i < REQUESTS; i++) await get(path(i));
    const before = counter.read();
    const t = await timeIt(REQUESTS, (i) => get(path(i)), 0);
    out[name] = { ...t, countsPerRequest: (counter.read() - before) / REQUESTS };
  }
  return out;
}

async function explain(s: Sequelize, label: string, sql: string, replacements: unknown[]) {
  const plan = await rows<Record<string, unknown>>(s, `EXPLAIN ${sql}`, replacements);
  const p = plan[0]!;
  console.log(`    ${label.padEnd(34)} key=${String(p.key)} type=${String(p.type)} rows≈${String(p.rows)} ${String(p.Extra ?? '')}`);
}

async function countCosts(s: Sequelize) {
  const [w] = await rows<{ entity_id: string }>(s, 'SELECT entity_id FROM bench_w LIMIT 1');
  const [r] = await rows<{ entity_id: string }>(s, 'SELECT entity_id FROM bench_r LIMIT 1');
  const q = {
    'COUNT all orders': ['SELECT COUNT(*) FROM orders', []],
    'COUNT wholesaler+status': ['SELECT COUNT(*) FROM orders WHERE wholesaler_id = ? AND status = ?', [w!.entity_id, 'completed']],
    'COUNT retailer+status': ['SELECT COUNT(*) FROM orders WHERE retailer_id = ? AND status = ?', [r!.entity_id, 'delivered']],
  } as const;
  const out: Record<string, number> = {};
  for (const [name, [sql, rep]] of Object.entries(q)) out[name] = (await timeIt(5, () => s.query(sql, { replacements: [...rep] }), 1)).p50;
  console.log('  plans:');
  await explain(s, 'wholesaler+status page 1', 'SELECT * FROM orders WHERE wholesaler_id = ? AND status = ? ORDER BY created_at DESC, id DESC LIMIT 50', [w!.entity_id, 'completed']);
  await explain(s, 'retailer+status page 1', 'SELECT * FROM orders WHERE retailer_id = ? AND status = ? ORDER BY created_at DESC, id DESC LIMIT 50', [r!.entity_id, 'delivered']);
  await explain(s, 'all, newest first, page 20', 'SELECT * FROM orders ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET 950', []);
  return out;
}

async function main() {
  const databaseUrl = await freshDatabase('big');
  console.log(`demo data: ${await seedIfEmpty(databaseUrl)}`);
  // One connection, so the session settings below apply to every INSERT.
  const loader = createSequelize(databaseUrl, 1);
  const api = await startBenchApi(databaseUrl);
  api.deps.redis.on('error', () => undefined);
  const results: Array<{ size: number; lists: Awaited<ReturnType<typeof measure>>; counts: Record<string, number> }> = [];
  try {
    await loader.query('DELETE FROM order_items');
    await loader.query('DELETE FROM orders');
    const parties = await prepare(loader);
    await loader.query('SET SESSION foreign_key_checks = 0, unique_checks = 0');
    let loaded = 0;
    for (const size of SIZES) {
      const t = Date.now();
      await grow(loader, loaded, size, parties);
      console.log(`\nloaded ${(size - loaded).toLocaleString()} orders in ${((Date.now() - t) / 1000).toFixed(1)} s (table: ${size.toLocaleString()} rows)`);
      loaded = size;
      await api.deps.redis.incr('trellis:ver:orders'); // new rows: cached totals are stale
      const counts = await countCosts(loader);
      const lists = await measure(api, loader);
      results.push({ size, lists, counts });
      console.log(`  ${REQUESTS} sequential requests per list through the API (count cache warm):`);
      for (const [name, m] of Object.entries(lists)) {
        console.log(`    ${name.padEnd(34)} p50 ${fmt(m.p50).padStart(6)} ms  p99 ${fmt(m.p99).padStart(6)} ms  max ${fmt(m.max).padStart(6)} ms  COUNT queries/request ${fmt(m.countsPerRequest, 2)}`);
      }
      console.log('  a COUNT per request would cost (p50):');
      for (const [name, ms] of Object.entries(counts)) console.log(`    ${name.padEnd(34)} ${fmt(ms).padStart(6)} ms`);
    }

    const [small, big] = results;
    console.log(`\nsummary: ${small!.size.toLocaleString()} → ${big!.size.toLocaleString()} orders`);
    let worst = 0;
    for (const name of Object.keys(big!.lists)) {
      const a = small!.lists[name]!;
      const b = big!.lists[name]!;
      worst = Math.max(worst, b.p99);
      console.log(`  ${name.padEnd(34)} p99 ${fmt(a.p99).padStart(6)} → ${fmt(b.p99).padStart(6)} ms   ratio 1M/100k p50 ${fmt(b.p50 / a.p50, 2)}  p99 ${fmt(b.p99 / a.p99, 2)}`);
    }
    const allCount = big!.counts['COUNT all orders']!;
    console.log(`  worst p99 at ${big!.size.toLocaleString()}: ${fmt(worst)} ms   target <= 50 ms ${worst <= 50 ? 'MET' : 'MISSED'}`);
    console.log(`  unfiltered COUNT(*) costs ${fmt(allCount)} ms at ${big!.size.toLocaleString()} rows; the API pays it once per filter per write (Redis-cached total), not per request`);
  } finally {
    await api.close();
    await loader.close();
    if (!process.env.KEEP_BENCH_DB) await dropDatabase(databaseUrl);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
