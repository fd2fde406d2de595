/**
 * bench:pos-sync — one Dutchie catalogue (POS_BENCH_ITEMS items, 200,000 by default; 1,000,000 is
 * the size) taken in three ways in the same run, each streamed from the same sandbox over
 * HTTP (so each pays the same vendor read and parse) and each into a database of its own:
 *   1. posSync as deployed: the workflow, with a sync-only worker in its own process (bounded heap),
 *      i.e. the production path (per batch: reads, plan, staged set-based merge, counters);
 *   2. raw row upsert: the rows written with the pre-staging statements, a multi-row
 *      INSERT … ON DUPLICATE KEY UPDATE per table per batch of 1,000 (no reads, no plan, no counters);
 *   3. raw bulk load: multi-row INSERTs of 5,000 rows into a staging table, then one
 *      INSERT … SELECT … ON DUPLICATE KEY UPDATE per table per 50,000 staged rows;
 *   4. raw LOAD DATA: the same, staged by LOAD DATA LOCAL INFILE (5,000 rows a load).
 * POS_BENCH_TIMINGS=1 makes the worker print where posSync's time went (platform/phaseTimings.ts).
 * Prints items/s and ratios, and the worker's RSS when posSync has taken 100,000 items and at the
 * end (target < 300 MB and flat). POS_BENCH_RESYNC=1 (default at ≤ 200k items) also times a
 * re-sync of the unchanged catalogue. POS_BENCH_RAW (default upsert,bulk,load) picks the raw paths.
 *
 * Runs its own Temporal dev server and database like the integration tests:
 *   POS_BENCH_ITEMS=200000 npm run bench:pos-sync
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import type { Transaction } from 'sequelize';
import { setup, teardown } from '../test/setup/global.js';
import { workerNodeOptions } from '../temporal.config.js';

const ITEMS = Number(process.env.POS_BENCH_ITEMS ?? 200_000);
const RESYNC = (process.env.POS_BENCH_RESYNC ?? (ITEMS <= 200_000 ? '1' : '0')) === '1';
/** Which raw paths to run beside posSync (POS_BENCH_RAW=load for the 1M run: each path is minutes). */
const RAW_PATHS = (process.env.POS_BENCH_RAW ?? 'upsert,bulk,load').split(',').map((p) => p.trim());
for (const p of RAW_PATHS) if (!['upsert', 'bulk', 'load'].includes(p)) throw new Error(`POS_BENCH_RAW: unknown path "${p}" (upsert, bulk, load)`);
/** The pre-staging batch size of posSync, for the raw upsert. */
const UPSERT_BATCH = 1000;
const STAGE_INSERT = 5000;
const MERGE_SLICE = 50_000;
const RSS_MARK = 100_000;

function spawnWorker(): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    // As deployed (temporal.config.ts WORKER_PROCESSES): a sync-only process with a bounded heap.
    env: { ...process.env, WORKER_QUEUES: 'sync', LOG_LEVEL: 'error', NODE_OPTIONS: workerNodeOptions('sync') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

async function main() {
  const loadAtStart = load();
  const startedAt = new Date().toISOString().slice(0, 16).replace('T', ' ');
  await setup(undefined as never);
  const { closeDeps, createDeps, temporalClient } = await import('../test/support/harness.js');
  const { createDutchieSandbox } = await import('../sandboxes/pos/dutchie.js');
  const { createConnector } = await import('../integrations/pos/index.js');
  const { DEMO_DUTCHIE_CREDENTIALS } = await import('../sandboxes/pos/demo-credentials.js');
  const { encryptSecret } = await import('../platform/crypto.js');
  const { CREDENTIALS_PURPOSE } = await import('../domain/pos/credentials.js');
  const { unitName, storedQuantity, wholeUnits, UNCATEGORIZED } = await import('../domain/pos/plan.js');
  const { temporalSettings } = await import('../temporal.config.js');
  const { posSync } = await import('../workflows/posSync.js');
  const { freshDatabase, dropDatabase } = await import('./lib/db.js');
  const { timeOrderedId } = await import('../platform/ids.js');

  const deps = createDeps({ LOG_LEVEL: 'error' });
  const client = await temporalClient(deps.config);
  const q = (sql: string, replacements: unknown[] = []) => deps.sequelize.query(sql, { replacements });

  async function world(sequelize = deps.sequelize): Promise<{ entityId: string; locationId: string }> {
    const q = (sql: string, replacements: unknown[] = []) => sequelize.query(sql, { replacements });
    const entityId = randomUUID();
    const locationId = randomUUID();
    const tag = entityId.slice(0, 8).toUpperCase();
    await q(`INSERT INTO entities (id, type, name, license_number, license_state, license_type) VALUES (?, 'wholesaler', ?, ?, 'CO', 'Wholesale')`, [entityId, `Bench ${tag}`, `B-${tag}`]);
    await q(`INSERT INTO locations (id, entity_id, name, address_line1, city, state, postal_code, license_number) VALUES (?, ?, 'Warehouse', '1 Main St', 'Denver', 'CO', '80202', ?)`, [locationId, entityId, `BL-${tag}`]);
    return { entityId, locationId };
  }

  async function connection(baseUrl: string): Promise<{ id: string; entityId: string }> {
    const w = await world();
    const id = randomUUID();
    const creds = encryptSecret(deps.config.appSecret, CREDENTIALS_PURPOSE, JSON.stringify(DEMO_DUTCHIE_CREDENTIALS));
    await q(`INSERT INTO pos_connections (id, entity_id, location_id, vendor, credentials_enc, base_url, interval_seconds, paused) VALUES (?, ?, ?, 'dutchie', ?, ?, 3600, 1)`, [id, w.entityId, w.locationId, creds, baseUrl]);
    return { id, entityId: w.entityId };
  }

  type RunRow = { fetched: number; created: number; unchanged: number; duration_ms: number };
  /**
   * Runs posSync (production defaults) for a connection while sampling the worker's RSS: its peak,
   * and its value when the run has taken RSS_MARK items.
   */
  async function sync(worker: ChildProcess, baseUrl: string, conn?: { id: string; entityId: string }) {
    conn ??= await connection(baseUrl);
    let peak = 0;
    let atMark = NaN;
    const mark = Math.min(RSS_MARK, ITEMS);
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(worker.pid!))), 100);
    const marker = setInterval(() => {
      if (!Number.isNaN(atMark)) return;
      void q(`SELECT COALESCE(MAX(fetched), 0) AS n FROM sync_runs WHERE connection_id = ? AND status = 'running'`, [conn!.id]).then(([[r]]) => {
        if (Number.isNaN(atMark) && Number((r as { n: number }).n) >= mark) atMark = rssMb(worker.pid!);
      }, () => undefined);
    }, 250);
    const before = rssMb(worker.pid!);
    try {
      const result = await client.workflow.execute(posSync, {
        taskQueue: temporalSettings(deps.config).taskQueues.sync,
        workflowId: `pos-bench:${conn.id}:${randomUUID()}`,
        args: [{ connectionId: conn.id, retry: temporalSettings(deps.config).defaultActivityRetry }],
      });
      const [[run]] = (await q('SELECT fetched, created, unchanged, duration_ms FROM sync_runs WHERE id = ?', [result.runId])) as unknown as [[RunRow]];
      const end = rssMb(worker.pid!);
      return { run, before, atMark, end, peak: Math.max(peak, end), conn, rate: (Number(run.fetched) / Number(run.duration_ms)) * 1000 };
    } finally {
      clearInterval(sampler);
      clearInterval(marker);
    }
  }

  // As `npm start` does: the worker loads a prebuilt workflow bundle instead of running webpack.
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-workflows.ts'], { stdio: 'ignore' });
  const small = await createDutchieSandbox({ items: 200, sales: 0 }).start(0);
  const sandbox = await createDutchieSandbox({ items: ITEMS, sales: 0 }).start(0);
  const worker = spawnWorker();
  try {
    // Warm-up: the worker bundles its workflows and opens its pools before anything is timed.
    await sync(worker, small.url);
    const through = await sync(worker, sandbox.url);

    type Item = { vendorItemId: string; sku: string; name: string; category: string | null; brand: string | null; unitOfMeasure: string; priceMinor: number; currency: string; quantity: number; packageLabel?: string };
    type Target = { sequelize: typeof deps.sequelize; entityId: string; locationId: string; conn: string; run: string };
    const ph = (n: number, cols: string) => Array.from({ length: n }, () => cols).join(',');
    /** The same rows posSync took, streamed from the same sandbox in batches of `size`. */
    async function* feed(size: number): AsyncGenerator<Item[]> {
      const connector = createConnector({ vendor: 'dutchie', baseUrl: sandbox.url, credentials: DEMO_DUTCHIE_CREDENTIALS, brands: 'none' });
      for await (const chunk of connector.snapshot({ chunkSize: size })) yield chunk.flatMap((r) => (r.ok ? [r.item as Item] : []));
    }

    /** A fresh database of its own per path, so no path pays for rows another added to the indexes. */
    async function timedInFreshDb(name: string, loadRows: (t: Target) => Promise<number>): Promise<{ ms: number; rate: number; rows: number; items: number }> {
      const url = await freshDatabase(name);
      const d = createDeps({ LOG_LEVEL: 'error', DATABASE_URL: url });
      try {
        const w = await world(d.sequelize);
        const conn = randomUUID();
        await d.sequelize.query(`INSERT INTO pos_connections (id, entity_id, location_id, vendor, credentials_enc) VALUES (?, ?, ?, 'dutchie', 'x')`, {
          replacements: [conn, w.entityId, w.locationId],
        });
        const t0 = performance.now();
        const items = await loadRows({ sequelize: d.sequelize, entityId: w.entityId, locationId: w.locationId, conn, run: randomUUID() });
        const ms = performance.now() - t0;
        const [[{ n }]] = (await d.sequelize.query('SELECT COUNT(*) AS n FROM inventory_packages')) as unknown as [[{ n: number }]];
        return { ms, rate: (items / ms) * 1000, rows: Number(n), items };
      } finally {
        await closeDeps(d);
        await dropDatabase(url);
      }
    }

    // Raw row upsert (the statements posSync ran before the staged merge): multi-row INSERT … ON
    // DUPLICATE KEY UPDATE per table per batch, one transaction per batch, with no read of what we
    // hold, no plan and no counters.
    const rawUpsert = async (raw: Target): Promise<number> => {
      let total = 0;
      for await (const items of feed(UPSERT_BATCH)) {
        total += items.length;
        // The same time-ordered ids posSync uses: random UUIDs would scatter index inserts.
        const batch = items.map((it) => ({ it, p: timeOrderedId(), v: timeOrderedId(), s: timeOrderedId(), k: timeOrderedId() }));
        await raw.sequelize.transaction(async (transaction) => {
          await raw.sequelize.query(
            `INSERT INTO products (id, entity_id, pos_sync_key, name, category, brand, created_at, updated_at) VALUES ${ph(batch.length, '(?,?,?,?,?,?,NOW(3),NOW(3))')}
             ON DUPLICATE KEY UPDATE name = VALUES(name), category = VALUES(category), brand = VALUES(brand), updated_at = NOW(3)`,
            { transaction, replacements: batch.flatMap(({ it, p }) => [p, raw.entityId, it.sku, it.name, it.category ?? UNCATEGORIZED, it.brand]) },
          );
          await raw.sequelize.query(
            `INSERT INTO product_variants (id, product_id, entity_id, sku, name, price_minor, currency, unit_of_measure, created_at, updated_at) VALUES ${ph(batch.length, '(?,?,?,?,?,?,?,?,NOW(3),NOW(3))')}
             ON DUPLICATE KEY UPDATE name = VALUES(name), price_minor = VALUES(price_minor), currency = VALUES(currency), unit_of_measure = VALUES(unit_of_measure), updated_at = NOW(3)`,
            { transaction, replacements: batch.flatMap(({ it, p, v }) => [v, p, raw.entityId, it.sku, it.name, it.priceMinor, it.currency, unitName(it.unitOfMeasure as never)]) },
          );
          await raw.sequelize.query(
            `INSERT INTO inventory (id, variant_id, product_id, location_id, entity_id, quantity_on_hand, quantity_reserved, metrc_package_label, pos_connection_id, vendor_item_id, pos_quantity, pos_seen_run, created_at, updated_at)
             VALUES ${ph(batch.length, '(?,?,?,?,?,?,0,?,?,?,?,?,NOW(3),NOW(3))')}
             ON DUPLICATE KEY UPDATE quantity_on_hand = GREATEST(VALUES(quantity_on_hand), quantity_reserved), metrc_package_label = COALESCE(VALUES(metrc_package_label), metrc_package_label),
               pos_connection_id = VALUES(pos_connection_id), vendor_item_id = VALUES(vendor_item_id), pos_quantity = VALUES(pos_quantity), pos_seen_run = VALUES(pos_seen_run), updated_at = NOW(3)`,
            {
              transaction,
              replacements: batch.flatMap(({ it, p, v, s }) => [s, v, p, raw.locationId, raw.entityId, wholeUnits(it.quantity), it.packageLabel ?? null, raw.conn, it.vendorItemId, storedQuantity(it.quantity), raw.run]),
            },
          );
          await raw.sequelize.query(
            `INSERT INTO inventory_packages (id, pos_connection_id, vendor_item_id, inventory_id, metrc_package_label, pos_quantity, pos_seen_run, created_at, updated_at)
             VALUES ${ph(batch.length, '(?,?,?,?,?,?,?,NOW(3),NOW(3))')}
             ON DUPLICATE KEY UPDATE inventory_id = VALUES(inventory_id), metrc_package_label = COALESCE(VALUES(metrc_package_label), metrc_package_label),
               pos_quantity = VALUES(pos_quantity), pos_seen_run = VALUES(pos_seen_run), updated_at = NOW(3)`,
            { transaction, replacements: batch.flatMap(({ it, s, k }) => [k, raw.conn, it.vendorItemId, s, it.packageLabel ?? null, storedQuantity(it.quantity), raw.run]) },
          );
        });
      }
      return total;
    };

    // Raw bulk load: multi-row INSERTs (no ON DUPLICATE) into a staging table, then per slice of
    // staged rows ONE INSERT … SELECT … ON DUPLICATE KEY UPDATE per table, joined on the natural
    // keys so rows that exist resolve to their ids. A real table in this scratch database (a
    // TEMPORARY one would pin every slice to one connection and one transaction).
    const stageMs = { insert: 0, load: 0 };
    /** A LOCAL load of tab-separated rows on one pooled connection (the staging table is a real one). */
    const loadData = async (raw: Target, table: string, rows: unknown[][]): Promise<void> => {
      const cm = raw.sequelize.connectionManager as unknown as { getConnection(o: object): Promise<RawConn>; releaseConnection(c: RawConn): Promise<void> };
      type RawConn = { query(o: object, cb: (err: unknown) => void): void };
      const field = (v: unknown) => (v === null || v === undefined ? '\\N' : String(v).replace(/[\\\t\n\r\0]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' })[c]!));
      const text = rows.map((r) => r.map(field).join('\t')).join('\n') + '\n';
      const c = await cm.getConnection({ type: 'write' });
      try {
        await new Promise<void>((resolve, reject) =>
          c.query({ sql: `LOAD DATA LOCAL INFILE 'stage' INTO TABLE ${table} CHARACTER SET utf8mb4`, infileStreamFactory: () => Readable.from([Buffer.from(text, 'utf8')]) }, (err) => (err ? reject(err) : resolve())),
        );
      } finally {
        await cm.releaseConnection(c);
      }
    };
    const bulkLoad = (method: 'insert' | 'load') => async (raw: Target): Promise<number> => {
      const run = (sql: string, replacements: unknown[] = [], transaction?: Transaction) =>
        raw.sequelize.query(sql, { replacements, ...(transaction ? { transaction } : {}) });
      await run(`CREATE TABLE bench_stage (
          ord INT NOT NULL PRIMARY KEY, sku VARCHAR(64) NOT NULL, vendor_item_id VARCHAR(128) NOT NULL, name VARCHAR(200) NOT NULL,
          category VARCHAR(100) NULL, brand VARCHAR(100) NULL, price_minor BIGINT NOT NULL, currency CHAR(3) NOT NULL,
          unit_of_measure VARCHAR(32) NOT NULL, on_hand INT NOT NULL, pos_quantity DECIMAL(16,4) NOT NULL,
          label VARCHAR(24) CHARACTER SET ascii NULL, p_id CHAR(36) NOT NULL, v_id CHAR(36) NOT NULL, s_id CHAR(36) NOT NULL, k_id CHAR(36) NOT NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
      const t0 = performance.now();
      let total = 0;
      for await (const items of feed(STAGE_INSERT)) {
        const rows = items.map((it, k) => [
            total + k, it.sku, it.vendorItemId, it.name, it.category ?? UNCATEGORIZED, it.brand, it.priceMinor, it.currency,
            unitName(it.unitOfMeasure as never), wholeUnits(it.quantity), storedQuantity(it.quantity), it.packageLabel ?? null,
            timeOrderedId(), timeOrderedId(), timeOrderedId(), timeOrderedId(),
          ]);
        if (method === 'load') await loadData(raw, 'bench_stage', rows);
        else await run(`INSERT INTO bench_stage VALUES ${ph(items.length, '(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)')}`, rows.flat());
        total += items.length;
      }
      stageMs[method] = performance.now() - t0;
      for (let lo = 0; lo < total; lo += MERGE_SLICE) {
        const hi = lo + MERGE_SLICE;
        await raw.sequelize.transaction(async (t) => {
          await run(
            `INSERT INTO products (id, entity_id, pos_sync_key, name, category, brand, created_at, updated_at)
             SELECT p_id, ?, sku, name, category, brand, NOW(3), NOW(3) FROM bench_stage WHERE ord >= ? AND ord < ? ORDER BY ord
             ON DUPLICATE KEY UPDATE name = VALUES(name), category = VALUES(category), brand = VALUES(brand), updated_at = NOW(3)`,
            [raw.entityId, lo, hi], t,
          );
          await run(
            `INSERT INTO product_variants (id, product_id, entity_id, sku, name, price_minor, currency, unit_of_measure, created_at, updated_at)
             SELECT s.v_id, p.id, p.entity_id, s.sku, s.name, s.price_minor, s.currency, s.unit_of_measure, NOW(3), NOW(3)
               FROM bench_stage s JOIN products p ON p.entity_id = ? AND p.pos_sync_key = s.sku WHERE s.ord >= ? AND s.ord < ? ORDER BY s.ord
             ON DUPLICATE KEY UPDATE name = VALUES(name), price_minor = VALUES(price_minor), currency = VALUES(currency), unit_of_measure = VALUES(unit_of_measure), updated_at = NOW(3)`,
            [raw.entityId, lo, hi], t,
          );
          await run(
            `INSERT INTO inventory (id, variant_id, product_id, location_id, entity_id, quantity_on_hand, quantity_reserved, metrc_package_label, pos_connection_id, vendor_item_id, pos_quantity, pos_seen_run, created_at, updated_at)
             SELECT s.s_id, v.id, v.product_id, ?, v.entity_id, s.on_hand, 0, s.label, ?, s.vendor_item_id, s.pos_quantity, ?, NOW(3), NOW(3)
               FROM bench_stage s JOIN product_variants v ON v.entity_id = ? AND v.sku = s.sku WHERE s.ord >= ? AND s.ord < ? ORDER BY s.ord
             ON DUPLICATE KEY UPDATE quantity_on_hand = GREATEST(VALUES(quantity_on_hand), inventory.quantity_reserved),
               metrc_package_label = COALESCE(VALUES(metrc_package_label), inventory.metrc_package_label),
               pos_connection_id = VALUES(pos_connection_id), vendor_item_id = VALUES(vendor_item_id), pos_quantity = VALUES(pos_quantity), pos_seen_run = VALUES(pos_seen_run), updated_at = NOW(3)`,
            [raw.locationId, raw.conn, raw.run, raw.entityId, lo, hi], t,
          );
          await run(
            `INSERT INTO inventory_packages (id, pos_connection_id, vendor_item_id, inventory_id, metrc_package_label, pos_quantity, pos_seen_run, created_at, updated_at)
             SELECT s.k_id, ?, s.vendor_item_id, i.id, s.label, s.pos_quantity, ?, NOW(3), NOW(3)
               FROM bench_stage s JOIN product_variants v ON v.entity_id = ? AND v.sku = s.sku
               JOIN inventory i ON i.variant_id = v.id AND i.location_id = ? WHERE s.ord >= ? AND s.ord < ? ORDER BY s.ord
             ON DUPLICATE KEY UPDATE inventory_id = VALUES(inventory_id), metrc_package_label = COALESCE(VALUES(metrc_package_label), inventory_packages.metrc_package_label),
               pos_quantity = VALUES(pos_quantity), pos_seen_run = VALUES(pos_seen_run), updated_at = NOW(3)`,
            [raw.conn, raw.run, raw.entityId, raw.locationId, lo, hi], t,
          );
        });
      }
      return total;
    };

    const upsert = RAW_PATHS.includes('upsert') ? await timedInFreshDb('possync_upsert', rawUpsert) : undefined;
    const bulk = RAW_PATHS.includes('bulk') ? await timedInFreshDb('possync_bulk', bulkLoad('insert')) : undefined;
    const loaded = RAW_PATHS.includes('load') ? await timedInFreshDb('possync_load', bulkLoad('load')) : undefined;

    let again: Awaited<ReturnType<typeof sync>> | undefined;
    if (RESYNC) again = await sync(worker, sandbox.url, through.conn);

    const r = (n: number) => Math.round(n).toLocaleString('en-US');
    const mb = (n: number) => (Number.isNaN(n) ? 'n/a' : `${n.toFixed(0)} MB`);
    console.log(`\nbench:pos-sync — ${r(ITEMS)} Dutchie items from the sandbox, ${startedAt} UTC, load average at start ${loadAtStart}, at end ${load()}`);
    console.log(`  posSync (production path, first sync):  ${r(through.rate)} items/s  (${through.run.created} created in ${through.run.duration_ms} ms)`);
    if (upsert) console.log(`  raw row upsert (pre-staging SQL, ${UPSERT_BATCH}/batch): ${r(upsert.rate)} items/s  (${upsert.items} items in ${r(upsert.ms)} ms, ${upsert.rows} packages)`);
    if (bulk) console.log(`  raw bulk load (staged, ${r(MERGE_SLICE)}/merge):  ${r(bulk.rate)} items/s  (${bulk.items} items in ${r(bulk.ms)} ms: staging ${r(stageMs.insert)} ms, merges ${r(bulk.ms - stageMs.insert)} ms; ${bulk.rows} packages)`);
    if (loaded) console.log(`  raw LOAD DATA (same, staged by LOAD DATA LOCAL INFILE):  ${r(loaded.rate)} items/s  (${loaded.items} items in ${r(loaded.ms)} ms: staging ${r(stageMs.load)} ms, merges ${r(loaded.ms - stageMs.load)} ms; ${loaded.rows} packages)`);
    if (upsert) console.log(`  ratio posSync / raw upsert:   ${(through.rate / upsert.rate).toFixed(2)}`);
    if (bulk) console.log(`  ratio posSync / raw bulk:     ${(through.rate / bulk.rate).toFixed(2)}`);
    if (loaded) console.log(`  ratio posSync / raw LOAD DATA: ${(through.rate / loaded.rate).toFixed(2)}`);
    if (bulk && upsert) console.log(`  ratio raw bulk / raw upsert:  ${(bulk.rate / upsert.rate).toFixed(2)}`);
    console.log(`  posSync stages by: ${process.env.POS_SYNC_STAGING === 'insert' ? 'multi-row INSERT (POS_SYNC_STAGING=insert)' : 'LOAD DATA LOCAL INFILE where the server allows it'}`);
    console.log(`  goal ≥ 20,000 items/s: ${through.rate >= 20_000 ? 'met' : 'not met'}`);
    if (again) console.log(`  posSync re-sync, nothing changed: ${r(again.rate)} items/s  (${again.run.unchanged} unchanged)`);
    console.log(`  worker RSS: idle ${mb(through.before)}, at ${r(Math.min(RSS_MARK, ITEMS))} items ${mb(through.atMark)}, at the end ${mb(through.end)}, peak ${mb(through.peak)}  (target < 300 MB and flat)`);
    await sandbox.close();
  } finally {
    if (worker.exitCode === null) worker.kill('SIGTERM');
    await small.close();
    await client.connection.close();
    await closeDeps(deps);
    await teardown();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
