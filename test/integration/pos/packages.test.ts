import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DUTCHIE_CREDENTIALS } from '../../../sandboxes/pos/demo-credentials.js';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import type { RunningSandbox } from '../../../sandboxes/pos/support/serve.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, temporalClient, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { allowPosHost, connect, mutate, rows, runSync } from './helpers.js';

interface Served {
  inventoryId: number;
  sku: string;
  quantityAvailable: number;
  externalPackageId: string;
  unitPrice: number;
}

/**
 * Dutchie lists one inventory record per package (batch) of a product at a location: several
 * records share a SKU. They are one variant with one stock row at the location holding their
 * summed quantity, each package keeping its own METRC tag — not item errors.
 */
describe('posSync: several vendor packages of one SKU', () => {
  const deps = createDeps();
  let api: RunningApi;
  let workers: RunningWorkers;
  let client: Client;
  let headers: Record<string, string>;
  let sandbox: RunningSandbox;

  const auth = `Basic ${Buffer.from(`${DEMO_DUTCHIE_CREDENTIALS.locationKey}:${DEMO_DUTCHIE_CREDENTIALS.integratorKey}`).toString('base64')}`;
  const served = async () => (await (await fetch(`${sandbox.url}/inventory`, { headers: { authorization: auth } })).json()) as Served[];
  const runOf = async (id: string) => (await request(api.url, 'GET', `/sync-runs/${id}`, undefined, headers)).body;

  /** What the vendor serves, per SKU: summed quantity, the largest package's tag, the first package's price. */
  function expected(list: Served[]) {
    const bySku = new Map<string, { quantity: number; top: Served; first: Served; packages: number; prices: Set<number> }>();
    for (const s of list) {
      const e = bySku.get(s.sku);
      if (!e) bySku.set(s.sku, { quantity: s.quantityAvailable, top: s, first: s, packages: 1, prices: new Set([s.unitPrice]) });
      else {
        e.quantity += s.quantityAvailable;
        e.packages++;
        e.prices.add(s.unitPrice);
        if (s.quantityAvailable > e.top.quantityAvailable) e.top = s;
      }
    }
    return bySku;
  }

  async function stock(connectionId: string) {
    return rows<{ sku: string; pos_quantity: string; quantity_on_hand: number; metrc_package_label: string | null; vendor_item_id: string | null; price_minor: string; inventory_id: string }>(
      deps.sequelize,
      `SELECT v.sku, i.pos_quantity, i.quantity_on_hand, i.metrc_package_label, i.vendor_item_id, v.price_minor, i.id AS inventory_id
         FROM inventory i JOIN product_variants v ON v.id = i.variant_id WHERE i.pos_connection_id = ?`,
      [connectionId],
    );
  }

  beforeAll(async () => {
    [api, workers, client, sandbox] = await Promise.all([
      startApi(deps),
      startWorkers(deps, { queues: ['sync'] }),
      temporalClient(deps.config),
      // 20 products × 3 packages; with chunks of 50, product 16's packages (48, 49, 50) straddle two batches.
      createDutchieSandbox({ items: 60, sales: 0, packagesPerSku: 3 }).start(0),
    ]);
    allowPosHost(deps, sandbox.url);
    headers = await adminHeaders(deps);
  });
  afterAll(async () => {
    await workers?.stop();
    await sandbox?.close();
    await api?.close();
    await client?.connection.close();
    await closeDeps(deps);
  });

  it('sums the packages into one stock row per SKU, keeps each package and its tag, and zeroes only the packages that went away', async () => {
    const { world, connection } = await connect(api.url, headers, 'dutchie', sandbox.url);
    const first = await runSync(client, deps, connection.id, { chunkSize: 50 });
    expect(first.status).toBe('succeeded');
    const run1 = await runOf(first.runId!);
    expect(run1.counts).toMatchObject({ fetched: 60, created: 60, updated: 0, unchanged: 0, item_errors: 0 });
    expect(run1.progress.pages).toBe(2);
    const [errs] = await rows<{ n: number }>(deps.sequelize, 'SELECT COUNT(*) AS n FROM sync_item_errors WHERE run_id = ?', [first.runId]);
    expect(Number(errs!.n)).toBe(0);

    const want = expected(await served());
    expect(want.size).toBe(20);
    let held = await stock(connection.id);
    expect(held).toHaveLength(20);
    for (const row of held) {
      const w = want.get(row.sku)!;
      expect(Number(row.pos_quantity)).toBeCloseTo(w.quantity, 4);
      expect(row.quantity_on_hand).toBe(Math.floor(w.quantity + 1e-9));
      expect(row.metrc_package_label).toBe(w.top.externalPackageId);
      expect(row.vendor_item_id).toBeNull(); // three packages: no single vendor item stands for the row
      expect(Number(row.price_minor)).toBe(Math.round(w.first.unitPrice * 100));
    }
    // The SKU whose packages straddled the batch boundary got all three.
    const straddling = (await served()).filter((s) => s.inventoryId >= 49 && s.inventoryId <= 51);
    expect(new Set(straddling.map((s) => s.sku)).size).toBe(1);
    const straddled = held.find((r) => r.sku === straddling[0]!.sku)!;
    expect(Number(straddled.pos_quantity)).toBeCloseTo(straddling.reduce((q, s) => q + s.quantityAvailable, 0), 4);

    const packages = await rows<{ vendor_item_id: string; inventory_id: string; metrc_package_label: string; pos_quantity: string }>(
      deps.sequelize,
      'SELECT vendor_item_id, inventory_id, metrc_package_label, pos_quantity FROM inventory_packages WHERE pos_connection_id = ?',
      [connection.id],
    );
    expect(packages).toHaveLength(60);
    const byVendor = new Map((await served()).map((s) => [String(s.inventoryId), s]));
    const skuOfRow = new Map(held.map((r) => [r.inventory_id, r.sku]));
    for (const p of packages) {
      const s = byVendor.get(p.vendor_item_id)!;
      expect(p.metrc_package_label).toBe(s.externalPackageId);
      expect(Number(p.pos_quantity)).toBeCloseTo(s.quantityAvailable, 4);
      expect(skuOfRow.get(p.inventory_id)).toBe(s.sku);
    }
    const [counts] = await rows<{ products: number; variants: number }>(
      deps.sequelize,
      `SELECT (SELECT COUNT(*) FROM products WHERE entity_id = ? AND pos_sync_key IS NOT NULL) AS products,
              (SELECT COUNT(*) FROM product_variants v JOIN products p ON p.id = v.product_id WHERE v.entity_id = ? AND p.pos_sync_key IS NOT NULL) AS variants`,
      [world.wholesaler.id, world.wholesaler.id],
    );
    expect({ products: Number(counts!.products), variants: Number(counts!.variants) }).toEqual({ products: 20, variants: 20 });

    // A re-run with nothing changed changes nothing and flips no variant between its packages' prices.
    const again = await runSync(client, deps, connection.id, { chunkSize: 50 });
    expect((await runOf(again.runId!)).counts).toMatchObject({ fetched: 60, created: 0, updated: 0, unchanged: 60, zeroed: 0, item_errors: 0 });

    // Some packages change, some sell out: only their rows move, by exactly their packages.
    const m = await mutate(sandbox.url, { changed: 3, removed: 4 });
    const third = await runSync(client, deps, connection.id, { chunkSize: 50 });
    const run3 = await runOf(third.runId!);
    expect(run3.counts).toMatchObject({ fetched: 56, created: 0, zeroed: 4, item_errors: 0 });
    expect(run3.counts.updated).toBeGreaterThanOrEqual(3);
    const now = expected(await served());
    held = await stock(connection.id);
    expect(held).toHaveLength(20);
    for (const row of held) {
      const w = now.get(row.sku);
      expect(Number(row.pos_quantity)).toBeCloseTo(w?.quantity ?? 0, 4);
      expect(row.quantity_on_hand).toBe(Math.floor((w?.quantity ?? 0) + 1e-9));
    }
    // Changed packages now differ in price from their siblings; the SKU's first package sets the
    // variant's price, and a further run finds nothing to flip.
    expect([...now.values()].some((w) => w.prices.size > 1)).toBe(true);
    const fourth = await runSync(client, deps, connection.id, { chunkSize: 50 });
    expect((await runOf(fourth.runId!)).counts).toMatchObject({ fetched: 56, created: 0, updated: 0, unchanged: 56, zeroed: 0 });
    for (const row of await stock(connection.id)) {
      const w = now.get(row.sku);
      if (w) expect(Number(row.price_minor)).toBe(Math.round(w.first.unitPrice * 100));
    }
    const gone = await rows<{ pos_quantity: string; metrc_package_label: string }>(
      deps.sequelize,
      'SELECT pos_quantity, metrc_package_label FROM inventory_packages WHERE pos_connection_id = ? AND vendor_item_id IN (?)',
      [connection.id, m.removed],
    );
    expect(gone.map((g) => Number(g.pos_quantity))).toEqual([0, 0, 0, 0]);
    // Sold-out packages keep their tag: a later return still knows which package it was.
    expect(gone.every((g) => /^1A/.test(g.metrc_package_label))).toBe(true);
  });
});
