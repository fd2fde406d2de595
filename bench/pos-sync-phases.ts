/**
 * Where bench:pos-sync's time goes, without Temporal: the same Dutchie sandbox and connector, and
 * the sync's own store (db/repositories/posSync.ts) called batch by batch in this process.
 *   1. vendor read alone: the sandbox generating and serialising the catalogue, HTTP, the
 *      connector's streaming parse and mapping (nothing written);
 *   2. hub write alone: the same batches, read beforehand, through store.applyResults into a
 *      fresh database, with the store's per-phase timings (POS_BENCH_TIMINGS=1);
 *   3. the same catalogue again (nothing changed);
 *   both into a fresh database per staging method: LOAD DATA LOCAL INFILE where allowed, then INSERT.
 * POS_BENCH_DROP_INDEXES=1 (an experiment, not a configuration) drops the secondary indexes no
 * foreign key needs from the scratch databases first, to see what their upkeep costs.
 *   POS_BENCH_ITEMS=50000 POS_BENCH_TIMINGS=1 npx tsx bench/pos-sync-phases.ts
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import type { ItemResult } from '../integrations/pos/index.js';

process.env.POS_BENCH_TIMINGS ??= '1';
const ITEMS = Number(process.env.POS_BENCH_ITEMS ?? 50_000);
const CHUNK = Number(process.env.POS_BENCH_CHUNK ?? 5000);
/** Non-unique indexes no foreign key needs (POS_BENCH_DROP_INDEXES=1 drops them from the scratch database). */
const SECONDARY_INDEXES = [
  ['products', 'ix_products_entity_created'],
  ['products', 'ix_products_entity_category'],
  ['products', 'ix_products_category_name'],
  ['products', 'ix_products_created'],
  ['products', 'ft_products_search'],
  ['inventory', 'ix_inventory_label'],
  ['inventory', 'ix_inventory_pos_seen'],
  ['inventory', 'ix_inventory_pos_vendor_item'],
  ['inventory_packages', 'ix_inventory_packages_seen'],
];
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main() {
  const { createDutchieSandbox } = await import('../sandboxes/pos/dutchie.js');
  const { createConnector } = await import('../integrations/pos/index.js');
  const { DEMO_DUTCHIE_CREDENTIALS } = await import('../sandboxes/pos/demo-credentials.js');
  const { createPosStore, posStagingMethod, setPosStagingMethod } = await import('../db/repositories/posSync.js');
  const { phaseTimings: posSyncTimings } = await import('../platform/phaseTimings.js');
  const { freshDatabase, dropDatabase, createSequelize } = await import('./lib/db.js');

  console.log(`pos-sync phases: ${ITEMS} items, batches of ${CHUNK}, load at start ${load()}`);
  const sandbox = await createDutchieSandbox({ items: ITEMS, sales: 0 }).start(0);
  const connector = () =>
    createConnector({ vendor: 'dutchie', baseUrl: sandbox.url, credentials: DEMO_DUTCHIE_CREDENTIALS, brands: 'none' });

  let t0 = performance.now();
  let n = 0;
  const chunks: ItemResult[][] = [];
  for await (const chunk of connector().snapshot({ chunkSize: CHUNK })) {
    n += chunk.length;
    chunks.push(chunk);
  }
  const readMs = performance.now() - t0;
  console.log(
    `  vendor read (sandbox + HTTP + parse + map): ${n} items in ${readMs.toFixed(0)} ms = ${Math.round((n / readMs) * 1000)} items/s`,
  );
  await sandbox.close();

  // Each staging method writes the same batches into a fresh database of its own.
  for (const method of ['auto', 'insert'] as const) {
    setPosStagingMethod(method);
    const url = await freshDatabase('possync_phases');
    const sequelize = createSequelize(url);
    try {
      if (process.env.POS_BENCH_DROP_INDEXES === '1') {
        // Experiment only: how much of the merges is secondary-index upkeep (the API needs these).
        for (const [table, index] of SECONDARY_INDEXES)
          await sequelize
            .query(`ALTER TABLE ${table} DROP INDEX ${index}`)
            .catch((err: Error) => console.log(`  kept ${table}.${index}: ${err.message}`));
      }
      const q = (sql: string, replacements: unknown[] = []) => sequelize.query(sql, { replacements });
      const entityId = randomUUID();
      const locationId = randomUUID();
      const connId = randomUUID();
      await q(
        `INSERT INTO entities (id, type, name, license_number, license_state, license_type) VALUES (?, 'wholesaler', 'Bench', 'B-1', 'CO', 'Wholesale')`,
        [entityId],
      );
      await q(
        `INSERT INTO locations (id, entity_id, name, address_line1, city, state, postal_code, license_number) VALUES (?, ?, 'W', '1 Main St', 'Denver', 'CO', '80202', 'BL-1')`,
        [locationId, entityId],
      );
      await q(
        `INSERT INTO pos_connections (id, entity_id, location_id, vendor, credentials_enc, interval_seconds, paused) VALUES (?, ?, ?, 'dutchie', 'x', 3600, 1)`,
        [connId, entityId, locationId],
      );
      const store = createPosStore(sequelize);
      const conn = (await store.loadConnection(connId))!;
      for (const label of ['first sync', 'unchanged re-sync']) {
        const runId = await store.openRun(conn, `phases:${randomUUID()}`, 'snapshot');
        const before = posSyncTimings();
        t0 = performance.now();
        let ordinal = 0;
        for (const chunk of chunks) {
          await store.applyResults(conn, runId, chunk, ordinal, 'snapshot');
          ordinal += chunk.length;
        }
        const ms = performance.now() - t0;
        const after = posSyncTimings();
        const phases = Object.entries(after)
          .map(([k, v]) => `${k} ${v - (before[k] ?? 0)}`)
          .join(', ');
        console.log(
          `  hub write, ${label}: ${ordinal} items in ${ms.toFixed(0)} ms = ${Math.round((ordinal / ms) * 1000)} items/s (load ${load()})`,
        );
        console.log(`    phases (ms): ${phases}; staging by ${posStagingMethod()}`);
      }
    } finally {
      await sequelize.close();
      await dropDatabase(url);
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
