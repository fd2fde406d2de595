import { describe, expect, it } from 'vitest';
import { planBatch, type HeldPackage, type HeldRow, type SyncItem } from '../../../domain/pos/plan.js';
import { connectionHealth } from '../../../domain/pos/health.js';
import { vendorCredentials } from '../../../domain/pos/credentials.js';

const RUN = 'run-2';
const CONN = 'conn-1';
let n = 0;
const ctx = { runId: RUN, connectionId: CONN, newId: () => `new-${++n}` };

const item = (over: Partial<SyncItem> = {}): SyncItem => ({
  ordinal: 0,
  vendorItemId: 'v1',
  sku: 'SKU-1',
  name: 'Blue Dream 3.5g',
  category: 'Flower',
  brand: 'Peak',
  unitOfMeasure: 'g',
  priceMinor: 2500,
  currency: 'USD',
  quantity: 10.5,
  packageLabel: '1A4000000000000000000001',
  ...over,
});

const held = (over: Partial<HeldRow> = {}): HeldRow => ({
  sku: 'SKU-1',
  variant_id: 'var-1',
  product_id: 'prod-1',
  variant_name: 'Blue Dream 3.5g',
  price_minor: '2500',
  currency: 'USD',
  unit_of_measure: 'Grams',
  product_sync_key: 'SKU-1',
  product_name: 'Blue Dream 3.5g',
  category: 'Flower',
  brand: 'Peak',
  inventory_id: 'inv-1',
  pos_quantity: '10.5000',
  quantity_on_hand: 10,
  metrc_package_label: '1A4000000000000000000001',
  vendor_item_id: 'v1',
  pos_connection_id: CONN,
  pos_seen_run: 'run-1',
  ...over,
});

const pkg = (over: Partial<HeldPackage> = {}): HeldPackage => ({
  vendor_item_id: 'v1',
  id: 'pkg-1',
  inventory_id: 'inv-1',
  variant_id: 'var-1',
  pos_quantity: '10.5000',
  metrc_package_label: '1A4000000000000000000001',
  pos_seen_run: 'run-1',
  ...over,
});

const none = new Map<string, HeldPackage>();
const heldSku = (over: Partial<HeldRow> = {}) => new Map([['SKU-1', held(over)]]);
const heldPkgs = (...ps: HeldPackage[]) => new Map(ps.map((p) => [p.vendor_item_id, p]));

describe('planBatch', () => {
  it('creates product, variant, stock and package for an unknown SKU, flooring fractional stock', () => {
    const plan = planBatch([item()], new Map(), none, ctx);
    expect(plan.counts).toEqual({ created: 1, updated: 0, unchanged: 0 });
    expect(plan.products).toHaveLength(1);
    expect(plan.variants[0]).toMatchObject({ sku: 'SKU-1', unit_of_measure: 'Grams', product_id: plan.products[0]!.id });
    expect(plan.inventory[0]).toMatchObject({ quantity_on_hand: 10, pos_quantity: 10.5, variant_id: plan.variants[0]!.id, vendor_item_id: 'v1', metrc_package_label: '1A4000000000000000000001' });
    expect(plan.packages).toEqual([{ id: expect.any(String), inventory_id: plan.inventory[0]!.id, vendor_item_id: 'v1', metrc_package_label: '1A4000000000000000000001', pos_quantity: 10.5 }]);
    expect(plan.recount).toEqual([]);
    expect(plan.changedVariantIds).toEqual([plan.variants[0]!.id]);
  });

  it('reuses an orphaned synced product instead of inserting a second one', () => {
    const plan = planBatch([item()], new Map(), none, { ...ctx, orphanProducts: new Map([['SKU-1', 'prod-old']]) });
    expect(plan.products[0]!.id).toBe('prod-old');
    expect(plan.variants[0]!.product_id).toBe('prod-old');
  });

  it('marks an identical item as unchanged and only stamps its package and stock row seen', () => {
    const plan = planBatch([item()], heldSku(), heldPkgs(pkg()), ctx);
    expect(plan.counts).toEqual({ created: 0, updated: 0, unchanged: 1 });
    expect(plan.products.length + plan.variants.length + plan.inventory.length + plan.packages.length + plan.recount.length).toBe(0);
    expect(plan.seenPackages).toEqual(['pkg-1']);
    expect(plan.seenStock).toEqual(['inv-1']);
  });

  it('updates price and package quantity, keeps the held METRC label when the vendor sends none, and sums the row again', () => {
    const { packageLabel: _drop, ...noLabel } = item({ priceMinor: 2700, quantity: 4 });
    const plan = planBatch([noLabel], heldSku(), heldPkgs(pkg()), ctx);
    expect(plan.counts.updated).toBe(1);
    expect(plan.variants[0]).toMatchObject({ id: 'var-1', price_minor: 2700 });
    expect(plan.packages).toEqual([{ id: 'pkg-1', inventory_id: 'inv-1', vendor_item_id: 'v1', metrc_package_label: null, pos_quantity: 4 }]);
    expect(plan.recount).toEqual(['inv-1']);
    expect(plan.inventory).toEqual([]);
    expect(plan.seenStock).toEqual([]);
    expect(plan.changedVariantIds).toEqual(['var-1']);
  });

  it('counts a product or variant change as an update without rewriting the package', () => {
    const plan = planBatch([item({ priceMinor: 2600 })], heldSku(), heldPkgs(pkg()), ctx);
    expect(plan.counts).toEqual({ created: 0, updated: 1, unchanged: 0 });
    expect(plan.packages).toEqual([]);
    expect(plan.seenPackages).toEqual(['pkg-1']);
    expect(plan.changedVariantIds).toEqual([]);
  });

  it('leaves hand-made products alone while still syncing their variant and stock', () => {
    const plan = planBatch([item({ name: 'Renamed' })], heldSku({ product_sync_key: null }), heldPkgs(pkg()), ctx);
    expect(plan.products).toHaveLength(0);
    expect(plan.variants[0]!.name).toBe('Renamed');
  });

  it('neither writes nor counts an item a retried attempt of this run already applied', () => {
    const plan = planBatch([item()], heldSku({ pos_seen_run: RUN }), heldPkgs(pkg({ pos_seen_run: RUN })), ctx);
    expect(plan.counts).toEqual({ created: 0, updated: 0, unchanged: 0 });
    expect(plan.replayed).toBe(1);
    expect(plan.seenPackages).toEqual([]);
    expect(plan.seenStock).toEqual([]);
  });

  it('takes several packages of one SKU into one stock row holding their sum, labelled by the largest', () => {
    const plan = planBatch(
      [
        item({ vendorItemId: 'p1', quantity: 2.5, packageLabel: '1A4000000000000000000001' }),
        item({ ordinal: 1, vendorItemId: 'p2', quantity: 7, packageLabel: '1A4000000000000000000002', priceMinor: 9900 }),
        item({ ordinal: 2, vendorItemId: 'p3', quantity: 7, packageLabel: '1A4000000000000000000003' }),
      ],
      new Map(),
      none,
      ctx,
    );
    expect(plan.problems).toEqual([]);
    expect(plan.counts).toEqual({ created: 3, updated: 0, unchanged: 0 });
    expect(plan.products).toHaveLength(1);
    // The first package decides the variant's price.
    expect(plan.variants).toEqual([expect.objectContaining({ sku: 'SKU-1', price_minor: 2500 })]);
    expect(plan.inventory).toEqual([expect.objectContaining({ pos_quantity: 16.5, quantity_on_hand: 16, vendor_item_id: null, metrc_package_label: '1A4000000000000000000002' })]);
    expect(plan.packages.map((p) => [p.vendor_item_id, p.pos_quantity, p.metrc_package_label, p.inventory_id])).toEqual([
      ['p1', 2.5, '1A4000000000000000000001', plan.inventory[0]!.id],
      ['p2', 7, '1A4000000000000000000002', plan.inventory[0]!.id],
      ['p3', 7, '1A4000000000000000000003', plan.inventory[0]!.id],
    ]);
    expect(plan.changedVariantIds).toEqual([plan.variants[0]!.id]);
  });

  it('adds a package of a SKU already applied in this run (an earlier batch) to its row, leaving the variant as that batch set it', () => {
    const plan = planBatch([item({ vendorItemId: 'p9', quantity: 3, priceMinor: 9900, name: 'Other name' })], heldSku({ pos_seen_run: RUN }), none, ctx);
    expect(plan.problems).toEqual([]);
    expect(plan.counts).toEqual({ created: 1, updated: 0, unchanged: 0 });
    expect(plan.variants).toEqual([]);
    expect(plan.products).toEqual([]);
    expect(plan.packages).toEqual([expect.objectContaining({ vendor_item_id: 'p9', inventory_id: 'inv-1', pos_quantity: 3 })]);
    // The database sums it with the packages the earlier batch wrote.
    expect(plan.recount).toEqual(['inv-1']);
    expect(plan.changedVariantIds).toEqual(['var-1']);
  });

  it('moves a package the vendor re-filed under another SKU, summing both rows again', () => {
    const plan = planBatch(
      [item({ sku: 'SKU-2', quantity: 10.5 })],
      new Map([['SKU-2', held({ sku: 'SKU-2', variant_id: 'var-2', inventory_id: 'inv-2', vendor_item_id: null })]]),
      heldPkgs(pkg()),
      ctx,
    );
    expect(plan.counts).toEqual({ created: 0, updated: 1, unchanged: 0 });
    expect(plan.packages).toEqual([expect.objectContaining({ id: 'pkg-1', inventory_id: 'inv-2' })]);
    expect(plan.recount.sort()).toEqual(['inv-1', 'inv-2']);
    expect(plan.changedVariantIds.sort()).toEqual(['var-1', 'var-2']);
  });

  it('reports a vendor item listed twice in one batch as an item error', () => {
    const plan = planBatch([item(), item({ ordinal: 1 })], new Map(), none, ctx);
    expect(plan.counts.created).toBe(1);
    expect(plan.problems).toEqual([{ ordinal: 1, vendorItemId: 'v1', reason: expect.stringContaining('listed twice') }]);
  });

  it('clamps negative vendor stock to zero whole units', () => {
    const plan = planBatch([item({ quantity: -3 })], new Map(), none, ctx);
    expect(plan.inventory[0]).toMatchObject({ quantity_on_hand: 0, pos_quantity: -3 });
  });
});

describe('connection health and credentials', () => {
  it('ranks auth failure above pause and reads the last run', () => {
    expect(connectionHealth({ paused: true, auth_failed_at: new Date(), last_run_status: 'succeeded' })).toBe('auth_failed');
    expect(connectionHealth({ paused: true, auth_failed_at: null, last_run_status: 'failed' })).toBe('paused');
    expect(connectionHealth({ paused: false, auth_failed_at: null, last_run_status: null })).toBe('pending');
    expect(connectionHealth({ paused: false, auth_failed_at: null, last_run_status: 'partial' })).toBe('degraded');
    expect(connectionHealth({ paused: false, auth_failed_at: null, last_run_status: 'failed' })).toBe('failing');
  });

  it('accepts only the keys of the named vendor', () => {
    expect(vendorCredentials('dutchie', { location_key: 'k' })).toEqual({ locationKey: 'k' });
    expect(vendorCredentials('blaze', { partner_key: 'p', store_key: 's' })).toEqual({ partnerKey: 'p', storeKey: 's' });
    expect(() => vendorCredentials('blaze', { location_key: 'k' })).toThrow(/partner_key/);
    expect(() => vendorCredentials('dutchie', { partner_key: 'p', store_key: 's' })).toThrow(/location_key/);
  });
});
