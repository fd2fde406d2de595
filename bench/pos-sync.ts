/**
 * bench:pos-sync — a 100,000-item Dutchie catalogue synced from the sandbox through workflow
 * posSync (worker in its own process) against two raw loads of the same rows, in this same run,
 * each into a fresh database: today's multi-row INSERT … ON DUPLICATE KEY UPDATE per batch, and a
 * set-based load (multi-row INSERTs into a TEMPORARY staging table, then one INSERT … SELECT … ON
 * DUPLICATE KEY UPDATE per table). Items/s and ratios (target ≥ 0.5; ≥ 20,000 items/s as a guide). Then the
 * worker's peak RSS while syncing 100k and 1M items (target < 300 MB and flat).
 *
 * Runs its own Temporal dev server and database like the integration tests:
 *   npm run bench:pos-sync          (POS_BENCH_ITEMS=100000 POS_BENCH_BIG=1000000 by default)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setup, teardown } from '../test/setup/global.js';
import { workerNodeOptions } from '../temporal.config.js';

const ITEMS = Number(process.env.POS_BENCH_ITEMS ?? 100_000);
const BIG = Number(process.env.POS_BENCH_BIG ?? 1_000_000);
const BATCH = 1000;

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

async function main() {
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

  /** Runs posSync for a fresh connection while sampling the worker's RSS; returns the run row. */
  async function sync(worker: ChildProcess, baseUrl: string) {
    const conn = await connection(baseUrl);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(worker.pid!))), 100);
    const before = rssMb(worker.pid!);
    const result = await client.workflow.execute(posSync, {
      taskQueue: temporalSettings(deps.config).taskQueues.sync,
      workflowId: `pos-bench:${conn.id}`,
      args: [{ connectionId: conn.id, retry: temporalSettings(deps.config).defaultActivityRetry, chunkSize: BATCH }],
    });
    clearInterval(sampler);
    const [[run]] = (await q('SELECT fetched, created, duration_ms FROM sync_runs WHERE id = ?', [result.runId])) as unknown as [[{ fetched: number; created: number; duration_ms: number }]];
    return { run, before, peak: Math.max(peak, rssMb(worker.pid!)), conn };
  }

  // As `npm start` does: the worker loads a prebuilt workflow bundle instead of running webpack.
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-workflows.ts'], { stdio: 'ignore' });
  const small = await createDutchieSandbox({ items: 200, sales: 0 }).start(0);
  const sandbox = await createDutchieSandbox({ items: ITEMS, sales: 0 }).start(0);
  let worker = spawnWorker();
  try {
    // Warm-up: the worker bundles its workflows and opens its pools before anything is timed.
    await sync(worker, small.url);

    const through = await sync(worker, sandbox.url);
    const syncRate = (Number(through.run.fetched) / Number(through.run.duration_ms)) * 1000;

    const items: Array<{ vendorItemId: string; sku: string; name: string; category: string | null; brand: string | null; unitOfMeasure: string; priceMinor: number; currency: string; quantity: number; packageLabel?: string }> = [];
    const connector = createConnector({ vendor: 'dutchie', baseUrl: sandbox.url, credentials: DEMO_DUTCHIE_CREDENTIALS, brands: 'none' });
    for await (const chunk of connector.snapshot({ chunkSize: BATCH })) for (const r of chunk) if (r.ok) items.push(r.item);
    const ph = (n: number, cols: string) => Array.from({ length: n }, () => cols).join(',');
    type Item = (typeof items)[number];
    type Target = { sequelize: typeof deps.sequelize; entityId: string; locationId: string; conn: string; run: string };

    /** A fresh database of its own per path, so no path pays for rows another added to the indexes. */
    async function timedInFreshDb(name: string, load: (t: Target) => Promise<void>): Promise<{ ms: number; rate: number; rows: number }> {
      const url = await freshDatabase(name);
      const d = createDeps({ LOG_LEVEL: 'error', DATABASE_URL: url });
      try {
        const w = await world(d.sequelize);
        const conn = randomUUID();
        await d.sequelize.query(`INSERT INTO pos_connections (id, entity_id, location_id, vendor, credentials_enc) VALUES (?, ?, ?, 'dutchie', 'x')`, {
          replacements: [conn, w.entityId, w.locationId],
        });
        const t0 = performance.now();
        await load({ sequelize: d.sequelize, entityId: w.entityId, locationId: w.locationId, conn, run: randomUUID() });
        const ms = performance.now() - t0;
        const [[{ n }]] = (await d.sequelize.query('SELECT COUNT(*) AS n FROM inventory_packages')) as unknown as [[{ n: number }]];
        return { ms, rate: (items.length / ms) * 1000, rows: Number(n) };
      } finally {
        await closeDeps(d);
        await dropDatabase(url);
      }
    }

    // Baseline (today's statements): the same rows, already normalised in memory, written with the
    // same multi-row INSERT … ON DUPLICATE KEY UPDATE statements (BATCH rows each, one transaction
    // per batch), with no vendor HTTP, no read of what we hold, no workflow and no counters.
    const rawUpsert = async (raw: Target) => {
      for (let i = 0; i < items.length; i += BATCH) {
        // The same time-ordered ids posSync uses: random UUIDs would make the baseline pay for
        // scattered index inserts and flatter the ratio.
        const batch = items.slice(i, i + BATCH).map((it) => ({ it, p: timeOrderedId(), v: timeOrderedId(), s: timeOrderedId(), k: timeOrderedId() }));
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
          // posSync also keeps each vendor item as a package of its stock row (several may share a SKU).
          await raw.sequelize.query(
            `INSERT INTO inventory_packages (id, pos_connection_id, vendor_item_id, inventory_id, metrc_package_label, pos_quantity, pos_seen_run, created_at, updated_at)
             VALUES ${ph(batch.length, '(?,?,?,?,?,?,?,NOW(3),NOW(3))')}
             ON DUPLICATE KEY UPDATE inventory_id = VALUES(inventory_id), metrc_package_label = COALESCE(VALUES(metrc_package_label), metrc_package_label),
               pos_quantity = VALUES(pos_quantity), pos_seen_run = VALUES(pos_seen_run), updated_at = NOW(3)`,
            { transaction, replacements: batch.flatMap(({ it, s, k }) => [k, raw.conn, it.vendorItemId, s, it.packageLabel ?? null, storedQuantity(it.quantity), raw.run]) },
          );
        });
      }
    };

    // The set-based bulk load of the same rows: multi-row INSERTs (no key checks, no ON DUPLICATE)
    // into a TEMPORARY staging table on one connection, then ONE INSERT … SELECT … ON DUPLICATE KEY
    // UPDATE per table for the whole set. Rows are found through the natural keys (entity+SKU,
    // variant+location), so a merge into rows that already exist resolves to their ids. Only
    // syntax MySQL 8 and MariaDB 10.11 share (VALUES() in ON DUPLICATE, which MySQL 8 deprecates
    // but runs; a temporary table referenced once per statement, which MySQL requires).
    let stageStartAt = 0;
    let stagedAt = 0;
    const stagedMerge = async (raw: Target) => {
      stageStartAt = performance.now();
      await raw.sequelize.transaction(async (transaction) => {
        const run = (sql: string, replacements: unknown[] = []) => raw.sequelize.query(sql, { transaction, replacements });
        await run(`CREATE TEMPORARY TABLE pos_stage (
            ord INT NOT NULL PRIMARY KEY, sku VARCHAR(64) NOT NULL, vendor_item_id VARCHAR(128) NOT NULL, name VARCHAR(200) NOT NULL,
            category VARCHAR(100) NULL, brand VARCHAR(100) NULL, price_minor BIGINT NOT NULL, currency CHAR(3) NOT NULL,
            unit_of_measure VARCHAR(32) NOT NULL, on_hand INT NOT NULL, pos_quantity DECIMAL(16,4) NOT NULL,
            label VARCHAR(24) CHARACTER SET ascii NULL, p_id CHAR(36) NOT NULL, v_id CHAR(36) NOT NULL, s_id CHAR(36) NOT NULL, k_id CHAR(36) NOT NULL
          ) ENGINE=InnoDB`);
        try {
          for (let i = 0; i < items.length; i += BATCH) {
            const batch = items.slice(i, i + BATCH);
            await run(
              `INSERT INTO pos_stage VALUES ${ph(batch.length, '(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)')}`,
              batch.flatMap((it: Item, k) => [
                i + k, it.sku, it.vendorItemId, it.name, it.category ?? UNCATEGORIZED, it.brand, it.priceMinor, it.currency,
                unitName(it.unitOfMeasure as never), wholeUnits(it.quantity), storedQuantity(it.quantity), it.packageLabel ?? null,
                timeOrderedId(), timeOrderedId(), timeOrderedId(), timeOrderedId(),
              ]),
            );
          }
          stagedAt = performance.now();
          await run(
            `INSERT INTO products (id, entity_id, pos_sync_key, name, category, brand, created_at, updated_at)
             SELECT p_id, ?, sku, name, category, brand, NOW(3), NOW(3) FROM pos_stage ORDER BY ord
             ON DUPLICATE KEY UPDATE name = VALUES(name), category = VALUES(category), brand = VALUES(brand), updated_at = NOW(3)`,
            [raw.entityId],
          );
          await run(
            `INSERT INTO product_variants (id, product_id, entity_id, sku, name, price_minor, currency, unit_of_measure, created_at, updated_at)
             SELECT s.v_id, p.id, p.entity_id, s.sku, s.name, s.price_minor, s.currency, s.unit_of_measure, NOW(3), NOW(3)
               FROM pos_stage s JOIN products p ON p.entity_id = ? AND p.pos_sync_key = s.sku ORDER BY s.ord
             ON DUPLICATE KEY UPDATE name = VALUES(name), price_minor = VALUES(price_minor), currency = VALUES(currency), unit_of_measure = VALUES(unit_of_measure), updated_at = NOW(3)`,
            [raw.entityId],
          );
          await run(
            `INSERT INTO inventory (id, variant_id, product_id, location_id, entity_id, quantity_on_hand, quantity_reserved, metrc_package_label, pos_connection_id, vendor_item_id, pos_quantity, pos_seen_run, created_at, updated_at)
             SELECT s.s_id, v.id, v.product_id, ?, v.entity_id, s.on_hand, 0, s.label, ?, s.vendor_item_id, s.pos_quantity, ?, NOW(3), NOW(3)
               FROM pos_stage s JOIN product_variants v ON v.entity_id = ? AND v.sku = s.sku ORDER BY s.ord
             ON DUPLICATE KEY UPDATE quantity_on_hand = GREATEST(VALUES(quantity_on_hand), inventory.quantity_reserved),
               metrc_package_label = COALESCE(VALUES(metrc_package_label), inventory.metrc_package_label),
               pos_connection_id = VALUES(pos_connection_id), vendor_item_id = VALUES(vendor_item_id), pos_quantity = VALUES(pos_quantity), pos_seen_run = VALUES(pos_seen_run), updated_at = NOW(3)`,
            [raw.locationId, raw.conn, raw.run, raw.entityId],
          );
          await run(
            `INSERT INTO inventory_packages (id, pos_connection_id, vendor_item_id, inventory_id, metrc_package_label, pos_quantity, pos_seen_run, created_at, updated_at)
             SELECT s.k_id, ?, s.vendor_item_id, i.id, s.label, s.pos_quantity, ?, NOW(3), NOW(3)
               FROM pos_stage s JOIN product_variants v ON v.entity_id = ? AND v.sku = s.sku
               JOIN inventory i ON i.variant_id = v.id AND i.location_id = ? ORDER BY s.ord
             ON DUPLICATE KEY UPDATE inventory_id = VALUES(inventory_id), metrc_package_label = COALESCE(VALUES(metrc_package_label), inventory_packages.metrc_package_label),
               pos_quantity = VALUES(pos_quantity), pos_seen_run = VALUES(pos_seen_run), updated_at = NOW(3)`,
            [raw.conn, raw.run, raw.entityId, raw.locationId],
          );
        } finally {
          await run('DROP TEMPORARY TABLE IF EXISTS pos_stage');
        }
      });
    };

    const upsert = await timedInFreshDb('possync_upsert', rawUpsert);
    const staged = await timedInFreshDb('possync_staged', stagedMerge);
    // Of the staged path's time, the part spent filling the staging table; the rest is the merges.
    const stageMs = stagedAt - stageStartAt;
    const rawRate = upsert.rate;

    // The same catalogue again through posSync for the first connection: nothing changed.
    const resyncConn = through.conn;
    const again = await client.workflow.execute(posSync, {
      taskQueue: temporalSettings(deps.config).taskQueues.sync,
      workflowId: `pos-bench:${resyncConn.id}:again`,
      args: [{ connectionId: resyncConn.id, retry: temporalSettings(deps.config).defaultActivityRetry, chunkSize: BATCH }],
    });
    const [[rerun]] = (await q('SELECT fetched, unchanged, duration_ms FROM sync_runs WHERE id = ?', [again.runId])) as unknown as [[{ fetched: number; unchanged: number; duration_ms: number }]];
    const resyncRate = (Number(rerun.fetched) / Number(rerun.duration_ms)) * 1000;

    console.log(`\nbench:pos-sync — ${ITEMS.toLocaleString()} items, Dutchie snapshot from the sandbox, batches of ${BATCH}`);
    console.log(`  posSync (first sync, all created): ${Math.round(syncRate).toLocaleString()} items/s  (${through.run.created} created in ${through.run.duration_ms} ms)`);
    console.log(`  raw multi-row upsert (today's SQL): ${Math.round(rawRate).toLocaleString()} items/s  (${items.length} rows in ${Math.round(upsert.ms)} ms, ${upsert.rows} packages)`);
    console.log(`  raw staged bulk load + 1 merge/table: ${Math.round(staged.rate).toLocaleString()} items/s  (${items.length} rows in ${Math.round(staged.ms)} ms, ${staged.rows} packages)`);
    console.log(`    of which filling the staging table ${Math.round(stageMs)} ms, the four merges ${Math.round(staged.ms - stageMs)} ms`);
    console.log(`  ratio posSync / raw upsert:        ${(syncRate / rawRate).toFixed(2)}  (target ≥ 0.5; guide ≥ 20,000 items/s)`);
    console.log(`  ratio posSync / raw staged:        ${(syncRate / staged.rate).toFixed(2)}`);
    console.log(`  ratio raw staged / raw upsert:     ${(staged.rate / rawRate).toFixed(2)}  (what a set-based path could gain at most)`);
    console.log(`  posSync re-sync, nothing changed:  ${Math.round(resyncRate).toLocaleString()} items/s  (${rerun.unchanged} unchanged)`);
    console.log(`  worker RSS: idle ${through.before.toFixed(0)} MB, peak during ${ITEMS.toLocaleString()}-item sync ${through.peak.toFixed(0)} MB`);
    await sandbox.close();

    if (BIG > 0) {
      // A fresh worker process for the big catalogue, so its peak is not the small run's.
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
      worker = spawnWorker();
      await sync(worker, small.url);
      const big = await createDutchieSandbox({ items: BIG, sales: 0 }).start(0);
      const huge = await sync(worker, big.url);
      await big.close();
      const rate = (Number(huge.run.fetched) / Number(huge.run.duration_ms)) * 1000;
      console.log(`  worker RSS: idle ${huge.before.toFixed(0)} MB, peak during ${BIG.toLocaleString()}-item sync ${huge.peak.toFixed(0)} MB  (${Math.round(rate).toLocaleString()} items/s)`);
      console.log(`  peak RSS ratio ${BIG.toLocaleString()} / ${ITEMS.toLocaleString()}: ${(huge.peak / through.peak).toFixed(2)}  (target < 300 MB and flat, i.e. ≈ 1)`);
    }
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
