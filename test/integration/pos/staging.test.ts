import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createPosStore, posStagingMethod, setPosStagingMethod } from '../../../db/repositories/posSync.js';
import type { ItemResult } from '../../../integrations/pos/index.js';
import { closeDeps, createDeps } from '../../support/harness.js';
import { rows } from './helpers.js';

/**
 * A snapshot batch's rows reach the staging table through LOAD DATA LOCAL INFILE (tab-separated
 * text) where the server allows it, else a multi-row INSERT (db/repositories/posSync.ts, stage()).
 * Whichever ran, what is stored must be exactly what the vendor sent, and a value the columns
 * cannot hold must still fail the batch as the INSERT did in strict mode, not be cut short.
 */
describe('posSync store: staging a batch', () => {
  const deps = createDeps();
  const store = createPosStore(deps.sequelize);
  afterAll(() => closeDeps(deps));

  async function connection() {
    const q = (sql: string, replacements: unknown[]) => deps.sequelize.query(sql, { replacements });
    const entityId = randomUUID();
    const locationId = randomUUID();
    const id = randomUUID();
    const tag = entityId.slice(0, 8).toUpperCase();
    await q(`INSERT INTO entities (id, type, name, license_number, license_state, license_type) VALUES (?, 'wholesaler', ?, ?, 'CO', 'Wholesale')`, [entityId, `Staging ${tag}`, `S-${tag}`]);
    await q(`INSERT INTO locations (id, entity_id, name, address_line1, city, state, postal_code, license_number) VALUES (?, ?, 'W', '1 Main St', 'Denver', 'CO', '80202', ?)`, [locationId, entityId, `SL-${tag}`]);
    await q(`INSERT INTO pos_connections (id, entity_id, location_id, vendor, credentials_enc, interval_seconds, paused) VALUES (?, ?, ?, 'dutchie', 'x', 3600, 1)`, [id, entityId, locationId]);
    return (await store.loadConnection(id))!;
  }

  const item = (k: number, over: Record<string, unknown> = {}): ItemResult => ({
    ok: true,
    item: { vendorItemId: `v-${k}`, sku: `SKU-${k}`, name: `Item ${k}`, category: 'Flower', brand: null, unitOfMeasure: 'g', priceMinor: 1000 + k, currency: 'USD', quantity: k + 0.25, ...over } as never,
  });

  it('stores names with tabs, newlines, backslashes, \\N, quotes and non-ASCII exactly, and NULL as NULL', async () => {
    const conn = await connection();
    const runId = await store.openRun(conn, `staging:${randomUUID()}`, 'snapshot');
    const names = ['tab\there', 'line\nbreak\r\nwin', 'back\\slash \\N \\t', `quote ' " \` ; --`, 'NUL\u0000byte', 'Ünïcødé 大麻 🌿', '\\N'];
    const batch = names.map((name, k) => item(k, { name, brand: k % 2 ? `Brand\t${k}` : null, vendorItemId: `v\\${k}\t` }));
    setPosStagingMethod('auto');
    const { outcome } = await store.applyResults(conn, runId, batch, 0, 'snapshot');
    expect(outcome.created).toBe(names.length);
    // Where the server allows LOCAL INFILE, this batch went through the load itself (a load with
    // warnings falls back to INSERT and leaves the method unknown), so the checks below test its escaping.
    const [[server]] = (await deps.sequelize.query('SELECT @@GLOBAL.local_infile AS on_')) as unknown as [[{ on_: number | string }]];
    if (Number(server.on_) === 1) expect(posStagingMethod()).toBe('LOAD DATA LOCAL INFILE');
    const stored = await rows<{ sku: string; name: string; brand: string | null; vendor_item_id: string; pos_quantity: string; price_minor: number }>(
      deps.sequelize,
      `SELECT v.sku, p.name, p.brand, k.vendor_item_id, k.pos_quantity, v.price_minor
         FROM product_variants v JOIN products p ON p.id = v.product_id
         JOIN inventory i ON i.variant_id = v.id JOIN inventory_packages k ON k.inventory_id = i.id
        WHERE v.entity_id = ? ORDER BY v.sku`,
      [conn.entity_id],
    );
    expect(stored.map((r) => [r.sku, r.name, r.brand, r.vendor_item_id, Number(r.pos_quantity), Number(r.price_minor)])).toEqual(
      names.map((name, k) => [`SKU-${k}`, name, k % 2 ? `Brand\t${k}` : null, `v\\${k}\t`, k + 0.25, 1000 + k]),
    );
  });

  it('fails the batch on a value too long for its column, writing nothing', async () => {
    const conn = await connection();
    const runId = await store.openRun(conn, `staging:${randomUUID()}`, 'snapshot');
    await expect(store.applyResults(conn, runId, [item(1), item(2, { vendorItemId: 'x'.repeat(200) })], 0, 'snapshot')).rejects.toThrow();
    const [held] = await rows<{ n: number }>(deps.sequelize, 'SELECT COUNT(*) AS n FROM product_variants WHERE entity_id = ?', [conn.entity_id]);
    expect(Number(held!.n)).toBe(0);
  });
});
