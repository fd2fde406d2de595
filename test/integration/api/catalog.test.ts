/**
 * Issue 14.12: a retailer sees what it can order. Two wholesalers' stock through GET /catalog as a
 * retailer's session and as retailer keys; an accepted order's reservation shows in the next read
 * although pages are cached; search as clients send it (`+`, non-ASCII); filters, sorting and
 * pagination; no stock row, on-hand/reserved count or package label of anyone leaves the API; an
 * expired seller and a retailer's own products are not on offer. Real worker, DB and Redis;
 * responses are validated against the spec (tests run with OPENAPI_VALIDATE_RESPONSES on).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHeaders } from '../../support/auth.js';
import { call, freshStock, newLabel, ordersEnv, placeOrder, transition, waitFor, type Headers, type OrdersEnv } from '../orders/helpers.js';

interface Entry {
  variant_id: string;
  sku: string;
  product_name: string;
  price_minor: number;
  wholesaler_id: string;
  quantity_available: number;
  locations: Array<{ location_id: string; name: string; quantity_available: number }>;
}

/**
 * Cache versions are global to a Redis database and other test runs on this machine bump them
 * too; in a logical database of its own, only this file's writes and workers invalidate pages, so
 * "the reservation made the page stale" cannot pass because of someone else's write.
 */
function privateRedisUrl(): string {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  url.pathname = `/${8 + Math.floor(Math.random() * 8)}`;
  return url.toString();
}

const ENTRY_KEYS = ['brand', 'category', 'currency', 'locations', 'name', 'price_minor', 'product_id', 'product_name', 'quantity_available', 'sku', 'unit_of_measure', 'variant_id', 'wholesaler_id', 'wholesaler_name'];
const LOCATION_KEYS = ['city', 'location_id', 'name', 'quantity_available', 'state'];

describe('retailer-facing catalogue (issue 14.12)', () => {
  let env: OrdersEnv;
  let key: Headers; // the retailer's ordering software: orders:write only
  let reader: Headers; // a retailer key with catalog:read only
  const tag = randomUUID().slice(0, 6).toUpperCase();
  const b = {} as { id: string; north: string; south: string; kush: string; kushInv: string; kushLabel: string; empty: string; unstocked: string };
  const c = {} as { variant: string };
  let aDepot: string;
  let retailerVariant: string;

  const post = async (path: string, body: unknown) => {
    const r = await call(env, env.admin, 'POST', path, body);
    if (r.status !== 201) throw new Error(`POST ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id as string;
  };
  const address = { address_line1: '2 Side St', city: 'Boulder', state: 'CO', postal_code: '80301' };
  const catalog = async (query: string, headers: Headers = env.retailer) => {
    const r = await call(env, headers, 'GET', `/catalog${query}`);
    expect(r.status, `${query}: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body as { data: Entry[]; pagination: { page: number; limit: number; total: number; total_pages: number } };
  };
  const entryOf = async (variantId: string, query = '', headers: Headers = env.retailer) =>
    (await catalog(`?limit=200${query}`, headers)).data.find((e) => e.variant_id === variantId);

  beforeAll(async () => {
    env = await ordersEnv({ env: { REDIS_URL: privateRedisUrl() } });
    key = await apiKeyHeaders(env.deps, { entityId: env.world.retailer.id, scopes: ['orders:write'] });
    reader = await apiKeyHeaders(env.deps, { entityId: env.world.retailer.id, scopes: ['catalog:read'] });
    // Wholesaler A (the world's) also keeps its variant at a second premises.
    aDepot = await post('/locations', { entity_id: env.world.wholesaler.id, name: 'A Depot', license_number: `AD-${tag}`, ...address });
    await post('/inventory', { variant_id: env.world.variant.id, location_id: aDepot, quantity_on_hand: 7 });
    // Wholesaler B (type both): two premises, a non-ASCII product name, one variant out of stock, one never stocked.
    b.id = await post('/entities', { type: 'both', name: `Höhenluft Supply ${tag}`, license_number: `B-${tag}`, license_state: 'CO', license_type: 'Wholesale' });
    b.north = await post('/locations', { entity_id: b.id, name: 'B North', license_number: `BN-${tag}`, ...address });
    b.south = await post('/locations', { entity_id: b.id, name: 'B South', license_number: `BS-${tag}`, ...address });
    const kushProduct = await post('/products', { entity_id: b.id, name: `Crème Brûlée Kush ${tag}`, category: 'Edibles', brand: 'Zürich Farms' });
    b.kush = await post('/product-variants', { product_id: kushProduct, sku: `CBK-${tag}`, name: '10 pack', price_minor: 4200 });
    b.kushLabel = newLabel();
    b.kushInv = await post('/inventory', { variant_id: b.kush, location_id: b.north, quantity_on_hand: 40, metrc_package_label: b.kushLabel });
    await post('/inventory', { variant_id: b.kush, location_id: b.south, quantity_on_hand: 5 });
    b.empty = await post('/product-variants', { product_id: kushProduct, sku: `ZERO${tag}`, name: 'sold out', price_minor: 100 });
    await post('/inventory', { variant_id: b.empty, location_id: b.north, quantity_on_hand: 0 });
    b.unstocked = await post('/product-variants', { product_id: kushProduct, sku: `NONE${tag}`, name: 'not kept', price_minor: 9900 });
    // Wholesaler C's licence expired: it may not sell, so it offers nothing.
    const cId = await post('/entities', { type: 'wholesaler', name: `Lapsed ${tag}`, license_number: `C-${tag}`, license_state: 'CO', license_type: 'Wholesale', license_expires_on: '2020-01-31' });
    const cLoc = await post('/locations', { entity_id: cId, name: 'C Vault', license_number: `CL-${tag}`, ...address });
    const cProduct = await post('/products', { entity_id: cId, name: `Lapsed Haze ${tag}`, category: 'Flower' });
    c.variant = await post('/product-variants', { product_id: cProduct, sku: `LH-${tag}`, name: '1g', price_minor: 500 });
    await post('/inventory', { variant_id: c.variant, location_id: cLoc, quantity_on_hand: 50 });
    // The retailer's own shelf stock is not something anyone orders through the hub.
    const rProduct = await post('/products', { entity_id: env.world.retailer.id, name: `Shelf Stock ${tag}`, category: 'Flower' });
    retailerVariant = await post('/product-variants', { product_id: rProduct, sku: `SHELF-${tag}`, name: '1g', price_minor: 700 });
    await post('/inventory', { variant_id: retailerVariant, location_id: env.world.store.id, quantity_on_hand: 9 });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('shows a retailer session and retailer keys both wholesalers\' stock per premises, with nothing private', async () => {
    for (const headers of [env.retailer, key, reader]) {
      const a = await entryOf(env.world.variant.id, '', headers);
      expect(a).toMatchObject({ wholesaler_id: env.world.wholesaler.id, sku: env.world.variant.sku, price_minor: 2500, quantity_available: 107 });
      expect(a!.locations.map((l) => [l.name, l.quantity_available])).toEqual([['A Depot', 7], ['Warehouse', 100]]);
      const page = await catalog(`?wholesaler_id=${b.id}&limit=200`, headers);
      const byId = new Map(page.data.map((e) => [e.variant_id, e]));
      expect([...byId.keys()].sort()).toEqual([b.kush, b.empty, b.unstocked].sort());
      expect(byId.get(b.kush)).toMatchObject({ product_name: `Crème Brûlée Kush ${tag}`, quantity_available: 45, price_minor: 4200 });
      expect(byId.get(b.kush)!.locations.map((l) => [l.location_id, l.quantity_available])).toEqual([[b.north, 40], [b.south, 5]]);
      expect(byId.get(b.empty)).toMatchObject({ quantity_available: 0, locations: [{ location_id: b.north, quantity_available: 0 }] });
      expect(byId.get(b.unstocked)).toMatchObject({ quantity_available: 0, locations: [] });
      for (const e of page.data) {
        expect(Object.keys(e).sort()).toEqual(ENTRY_KEYS);
        for (const l of e.locations) expect(Object.keys(l).sort()).toEqual(LOCATION_KEYS);
      }
      // Stock rows, their counts and package labels are the seller's business.
      const text = JSON.stringify(page);
      for (const secret of [b.kushInv, b.kushLabel, 'quantity_on_hand', 'quantity_reserved', 'metrc', 'pos_', 'entity_id', 'description']) expect(text).not.toContain(secret);
    }
    // The retailer's own inventory list still shows nothing of a wholesaler's: the catalogue is the way in.
    expect((await call(env, env.retailer, 'GET', `/inventory?entity_id=${b.id}`)).body.data).toEqual([]);
    // A key that may neither read catalogs nor order may not browse either.
    const stockKey = await apiKeyHeaders(env.deps, { entityId: env.world.retailer.id, scopes: ['inventory:read'] });
    expect((await call(env, stockKey, 'GET', '/catalog')).status).toBe(403);
    expect((await call(env, {}, 'GET', '/catalog')).status).toBe(401);
  });

  it('offers nothing of a seller whose licence expired, nor a retailer\'s own products', async () => {
    const all = await catalog('?limit=200');
    const ids = all.data.map((e) => e.variant_id);
    expect(ids).not.toContain(c.variant);
    expect(ids).not.toContain(retailerVariant);
    expect(all.data.every((e) => e.wholesaler_id !== env.world.retailer.id)).toBe(true);
    for (const id of [c.variant, retailerVariant, randomUUID()]) {
      const r = await call(env, env.retailer, 'GET', `/catalog/${id}`);
      expect(r.status, id).toBe(404);
      expect(r.body.error.code).toBe('NOT_FOUND');
    }
    const one = await call(env, key, 'GET', `/catalog/${b.kush}`);
    expect(one.status).toBe(200);
    expect(one.headers.get('etag')).toMatch(/^"/);
    expect(one.body).toMatchObject({ variant_id: b.kush, wholesaler_id: b.id, quantity_available: 45 });
  });

  it('shows an accepted order\'s reservation, and its release, in the next read although pages are cached', async () => {
    const stock = await freshStock(env, 10);
    const listed = async () => (await entryOf(stock.variantId, `&wholesaler_id=${env.world.wholesaler.id}`))?.quantity_available;
    const single = async () => (await call(env, key, 'GET', `/catalog/${stock.variantId}`)).body.quantity_available as number;
    expect(await listed()).toBe(10);
    expect(await single()).toBe(10);
    // Pages are served from the cache: a change behind the API's back (no version bump) is not seen...
    await env.deps.sequelize.query('UPDATE inventory SET quantity_on_hand = 11 WHERE id = ?', { replacements: [stock.inventoryId] });
    expect(await listed()).toBe(10);
    expect(await single()).toBe(10);
    await env.deps.sequelize.query('UPDATE inventory SET quantity_on_hand = 10 WHERE id = ?', { replacements: [stock.inventoryId] });

    // ...while the order workflow's reservation is, at once.
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 3 }], key);
    expect((await transition(env, env.wholesaler, order.id, { action: 'accept' })).status).toBe(200);
    expect(await listed()).toBe(7);
    expect(await single()).toBe(7);
    expect((await entryOf(stock.variantId, `&location_id=${env.world.warehouse.id}&in_stock=true`))?.locations).toEqual([
      expect.objectContaining({ location_id: env.world.warehouse.id, quantity_available: 7 }),
    ]);

    expect((await transition(env, env.retailer, order.id, { action: 'cancel' })).status).toBe(200);
    await waitFor('the release', async () => (await listed()) === 10, 10_000);
    expect(await single()).toBe(10);
  });

  it('searches product text and SKU prefixes as clients send them: `+` for spaces, non-ASCII', async () => {
    const ids = async (q: string) => (await catalog(`?q=${q}&limit=200`)).data.map((e) => e.variant_id).sort();
    expect(await ids(`Blue+Dream+Flower+${env.world.tag}`)).toEqual([env.world.variant.id]);
    expect(await ids(`Blue+Dream+Flower+${env.world.tag}`)).toEqual(await ids(`Blue%20Dream%20Flower%20${env.world.tag}`));
    const kushFamily = [b.kush, b.empty, b.unstocked].sort();
    expect(await ids(`Cr%C3%A8me+Br%C3%BBl%C3%A9e+${tag}`)).toEqual(kushFamily); // product name
    expect(await ids(`Z%C3%BCrich+${tag}`)).toEqual(kushFamily); // brand
    expect(await ids(`edibles+${tag}`)).toEqual(kushFamily); // category, any case
    expect(await ids(`CBK-${tag}`)).toEqual([b.kush]); // SKU prefix
    expect(await ids(`zero${tag.toLowerCase()}`)).toEqual([b.empty]);
    for (const q of ['+', '%20%20', '%E2%98%83', '%C3%A9t%C3%A9+nowhere', "it's", 'a%2Cb', '100%25', 'x_y']) expect(await ids(q), q).toEqual([]);
    expect(await ids(`Lapsed+Haze+${tag}`)).toEqual([]); // expired seller, even by name
  });

  it('filters by wholesaler, category, premises and stock, sorts and paginates', async () => {
    // Premises: only what is kept there, only there.
    const north = await catalog(`?location_id=${b.north}&limit=200`);
    expect(north.data.map((e) => e.variant_id).sort()).toEqual([b.kush, b.empty].sort());
    expect(north.data.find((e) => e.variant_id === b.kush)).toMatchObject({ quantity_available: 40, locations: [{ location_id: b.north, quantity_available: 40 }] });
    // In stock: nothing sold out or never kept.
    const inStock = await catalog(`?wholesaler_id=${b.id}&in_stock=true`);
    expect(inStock.data.map((e) => e.variant_id)).toEqual([b.kush]);
    expect((await catalog(`?location_id=${b.north}&in_stock=true&limit=200`)).data.map((e) => e.variant_id)).toEqual([b.kush]);
    expect((await catalog(`?category=Edibles&wholesaler_id=${b.id}&limit=200`)).pagination.total).toBe(3);
    expect((await catalog(`?category=Flower&wholesaler_id=${b.id}`)).data).toEqual([]);
    // Another tenant's premises as a filter is just a filter: no other wholesaler's rows come back.
    expect((await catalog(`?location_id=${b.north}&wholesaler_id=${env.world.wholesaler.id}`)).data).toEqual([]);

    const prices = (await catalog(`?wholesaler_id=${b.id}&sort=-price`)).data.map((e) => e.price_minor);
    expect(prices).toEqual([9900, 4200, 100]);
    expect((await catalog(`?wholesaler_id=${b.id}&sort=price`)).data.map((e) => e.price_minor)).toEqual([100, 4200, 9900]);
    const avail = (await catalog(`?wholesaler_id=${b.id}&sort=-available`)).data.map((e) => e.quantity_available);
    expect(avail[0]).toBe(45);
    expect(avail).toEqual([...avail].sort((x, y) => y - x));

    const pages: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const p = await catalog(`?wholesaler_id=${b.id}&sort=name&limit=2&page=${page}`);
      expect(p.pagination).toEqual({ page, limit: 2, total: 3, total_pages: 2 });
      pages.push(...p.data.map((e) => e.variant_id));
    }
    expect(pages).toHaveLength(3);
    expect(new Set(pages).size).toBe(3);

    for (const bad of ['sort=cost', 'in_stock=maybe', 'location_id=nope', 'limit=0', 'q=']) {
      const r = await call(env, env.retailer, 'GET', `/catalog?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.error.code, bad).toMatch(/VALIDATION_ERROR|BAD_REQUEST/);
    }
  });
});
