import { describe, expect, it } from 'vitest';
import { planBatch, type HeldRow, type SyncItem } from '../../../domain/pos/plan.js';
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

describe('planBatch', () => {
  it('creates product, variant and stock for an unknown SKU, flooring fractional stock', () => {
    const plan = planBatch([item()], new Map(), ctx);
    expect(plan.counts).toEqual({ created: 1, updated: 0, unchanged: 0 });
    expect(plan.products).toHaveLength(1);
    expect(plan.variants[0]).toMatchObject({ sku: 'SKU-1', unit_of_measure: 'Grams', product_id: plan.products[0]!.id });
    expect(plan.inventory[0]).toMatchObject({ quantity_on_hand: 10, pos_quantity: 10.5, variant_id: plan.variants[0]!.id });
    expect(plan.changedVariantIds).toEqual([plan.variants[0]!.id]);
  });

  it('reuses an orphaned synced product instead of inserting a second one', () => {
    const plan = planBatch([item()], new Map(), { ...ctx, orphanProducts: new Map([['SKU-1', 'prod-old']]) });
    expect(plan.products[0]!.id).toBe('prod-old');
    expect(plan.variants[0]!.product_id).toBe('prod-old');
  });

  it('marks an identical item as unchanged and only stamps it seen', () => {
    const plan = planBatch([item()], new Map([['SKU-1', held()]]), ctx);
    expect(plan.counts).toEqual({ created: 0, updated: 0, unchanged: 1 });
    expect(plan.products.length + plan.variants.length + plan.inventory.length).toBe(0);
    expect(plan.seenOnly).toEqual(['inv-1']);
  });

  it('updates price and quantity, and keeps the held METRC label when the vendor sends none', () => {
    const { packageLabel: _drop, ...noLabel } = item({ priceMinor: 2700, quantity: 4 });
    const plan = planBatch([noLabel], new Map([['SKU-1', held()]]), ctx);
    expect(plan.counts.updated).toBe(1);
    expect(plan.variants[0]).toMatchObject({ id: 'var-1', price_minor: 2700 });
    expect(plan.inventory[0]).toMatchObject({ id: 'inv-1', quantity_on_hand: 4, metrc_package_label: null });
    expect(plan.changedVariantIds).toEqual(['var-1']);
  });

  it('leaves hand-made products alone while still syncing their variant and stock', () => {
    const plan = planBatch([item({ name: 'Renamed' })], new Map([['SKU-1', held({ product_sync_key: null })]]), ctx);
    expect(plan.products).toHaveLength(0);
    expect(plan.variants[0]!.name).toBe('Renamed');
  });

  it('neither writes nor counts an item a retried attempt of this run already applied', () => {
    const plan = planBatch([item()], new Map([['SKU-1', held({ pos_seen_run: RUN })]]), ctx);
    expect(plan.counts).toEqual({ created: 0, updated: 0, unchanged: 0 });
    expect(plan.replayed).toBe(1);
    expect(plan.seenOnly).toEqual([]);
  });

  it('reports a SKU that two vendor items share as an item error', () => {
    const plan = planBatch([item(), item({ ordinal: 1, vendorItemId: 'v2' })], new Map(), ctx);
    expect(plan.counts.created).toBe(1);
    expect(plan.problems).toEqual([{ ordinal: 1, vendorItemId: 'v2', reason: expect.stringContaining('duplicate sku SKU-1') }]);
    const across = planBatch([item({ vendorItemId: 'v9' })], new Map([['SKU-1', held({ pos_seen_run: RUN })]]), ctx);
    expect(across.problems[0]!.reason).toContain('also vendor item v1');
  });

  it('clamps negative vendor stock to zero whole units', () => {
    const plan = planBatch([item({ quantity: -3 })], new Map(), ctx);
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
