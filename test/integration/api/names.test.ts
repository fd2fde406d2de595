/**
 * Issue 20: answers people read carry names beside ids: buyer and seller (with licence numbers)
 * on orders, product/brand/SKU/strain/unit on lines and stock rows. Names never leak across
 * tenants and never change an order's ETag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, headersFor } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

describe('names beside ids', () => {
  const deps = createDeps();
  let api: RunningApi;
  let admin: Record<string, string>;
  let a: Awaited<ReturnType<typeof createWorld>>;
  let b: Awaited<ReturnType<typeof createWorld>>;
  let orderId: string;
  let created: { body: Record<string, unknown>; etag: string | null };

  beforeAll(async () => {
    api = await startApi(deps);
    admin = await adminHeaders(deps);
    [a, b] = [await createWorld(api.url, admin), await createWorld(api.url, admin)];
    await deps.sequelize.query('UPDATE products SET strain = ? WHERE id = ?', { replacements: ['Blue Dream', a.product.id] });
    const r = await request(api.url, 'POST', '/orders', {
      retailer_id: a.retailer.id,
      wholesaler_id: a.wholesaler.id,
      ship_from_location_id: a.warehouse.id,
      ship_to_location_id: a.store.id,
      items: [{ variant_id: a.variant.id, quantity: 2 }],
    }, admin);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    orderId = r.body.id;
    created = { body: r.body, etag: r.headers.get('etag') };
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('names buyer, seller, sites and every line of an order', async () => {
    const buyer = await headersFor(deps, { role: 'owner', entityId: a.retailer.id });
    const r = await request(api.url, 'GET', `/orders/${orderId}`, undefined, buyer);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      retailer_name: a.retailer.name,
      retailer_license_number: a.retailer.license_number,
      wholesaler_name: a.wholesaler.name,
      wholesaler_license_number: a.wholesaler.license_number,
      ship_from_name: 'Warehouse',
      ship_to_name: 'Store',
    });
    expect(r.body.items[0]).toMatchObject({ product_name: a.product.name, brand: 'Peak', sku: a.variant.sku, variant_name: '3.5g jar', strain: 'Blue Dream', unit_of_measure: 'Each' });

    const list = await request(api.url, 'GET', `/orders?retailer_id=${a.retailer.id}`, undefined, buyer);
    expect(list.body.data.map((o: { id: string }) => o.id)).toEqual([orderId]);
    expect(list.body.data[0]).toMatchObject({ retailer_name: a.retailer.name, wholesaler_name: a.wholesaler.name });
  });

  it("answers the POST with the names a GET shows (read with the order's references) and the same ETag", async () => {
    const got = await request(api.url, 'GET', `/orders/${orderId}`, undefined, admin);
    const named = ['retailer_name', 'retailer_license_number', 'wholesaler_name', 'wholesaler_license_number', 'ship_from_name', 'ship_to_name'];
    for (const k of named) expect(created.body[k], k).toEqual(got.body[k]);
    expect(created.body[named[0]!]).toBe(a.retailer.name);
    const lineNames = ['product_name', 'variant_name', 'brand', 'sku', 'strain', 'unit_of_measure'];
    const [postLine, getLine] = [(created.body.items as Record<string, unknown>[])[0]!, (got.body.items as Record<string, unknown>[])[0]!];
    for (const k of lineNames) expect(postLine[k], k).toEqual(getLine[k]);
    expect(postLine.strain).toBe('Blue Dream');
    expect(created.etag).toBeTruthy();
    expect(created.etag).toBe(got.headers.get('etag'));
  });

  it('keeps the ETag of the order itself: a GET then a PATCH with If-Match still works', async () => {
    const got = await request(api.url, 'GET', `/orders/${orderId}`, undefined, admin);
    const etag = got.headers.get('etag');
    expect(etag).toBeTruthy();
    const patched = await request(api.url, 'PATCH', `/orders/${orderId}`, { notes: 'Dock B' }, { ...admin, 'if-match': etag! });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  });

  it('names stock rows with product, SKU and location, for their owner only', async () => {
    const owner = await headersFor(deps, { role: 'member', entityId: a.wholesaler.id });
    const r = await request(api.url, 'GET', `/inventory?location_id=${a.warehouse.id}`, undefined, owner);
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(1);
    expect(r.body.data[0]).toMatchObject({ product_name: a.product.name, sku: a.variant.sku, brand: 'Peak', strain: 'Blue Dream', location_name: 'Warehouse', location_license_number: a.warehouse.license_number });

    const outsider = await headersFor(deps, { role: 'member', entityId: b.wholesaler.id });
    const other = await request(api.url, 'GET', `/inventory?location_id=${a.warehouse.id}`, undefined, outsider);
    expect(other.status).toBe(200);
    expect(other.body.data).toEqual([]);
    expect(JSON.stringify((await request(api.url, 'GET', '/orders', undefined, outsider)).body)).not.toContain(a.retailer.name);
  });
});
