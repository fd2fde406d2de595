/**
 * Query values as real clients send them: `+` for a space (httpx, requests, generated clients),
 * reserved characters left unencoded, text that is not ASCII, ids in upper case.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

describe('input as clients send it', () => {
  const deps = createDeps();
  let api: RunningApi;
  let admin: Record<string, string>;
  let world: Awaited<ReturnType<typeof createWorld>>;
  const get = (path: string) => request(api.url, 'GET', path, undefined, admin);

  beforeAll(async () => {
    api = await startApi(deps);
    admin = await adminHeaders(deps);
    world = await createWorld(api.url, admin);
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('reads `+` as a space, like %20', async () => {
    const plus = await get(`/products?q=Blue+Dream+Flower+${world.tag}`);
    const pct = await get(`/products?q=Blue%20Dream%20Flower%20${world.tag}`);
    expect(plus.status, JSON.stringify(plus.body)).toBe(200);
    expect(plus.body.data.map((p: { id: string }) => p.id)).toEqual([world.product.id]);
    expect(plus.body).toEqual(pct.body);
  });

  it('accepts reserved characters left unencoded and reads them as sent', async () => {
    for (const q of ["it's", 'a,b', 'a:b*', 'x/y']) {
      const r = await get(`/products?q=${q}`);
      expect(r.status, `${q}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    const since = await get('/orders?created_from=2020-01-01T00:00:00Z');
    expect(since.status, JSON.stringify(since.body)).toBe(200);
    const bad = await get('/orders?created_from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('created_from');
  });

  it('answers a non-ASCII search on orders with no matches, not a 500', async () => {
    for (const q of ['%C3%A9t%C3%A9', '%E2%98%83', 'Z%C3%BCrich']) {
      const r = await get(`/orders?q=${q}`);
      expect(r.status, `${q}: ${JSON.stringify(r.body)}`).toBe(200);
      expect(r.body.data).toEqual([]);
    }
  });

  it('tags representations, never error answers', async () => {
    const found = await get(`/products/${world.product.id}`);
    expect(found.headers.get('etag')).toMatch(/^"/);
    for (const path of [`/products/${randomUUID()}`, '/products/not-a-uuid', '/products?limit=0']) {
      const r = await get(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.headers.get('etag'), path).toBeNull();
      expect(r.headers.get('content-type'), path).toMatch(/^application\/json/);
    }
  });

  it('finds an object by its id in upper case', async () => {
    const r = await get(`/products/${world.product.id.toUpperCase()}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.id).toBe(world.product.id);
  });

  const count = async () => Number(((await deps.sequelize.query('SELECT COUNT(*) AS n FROM products', { plain: true })) as { n: number }).n);

  it('refuses impossible calendar dates with a 400 naming the field', async () => {
    for (const d of ['2026-02-30', '2024-13-01', '0000-00-00', '2027-02-29']) {
      const r = await request(api.url, 'PATCH', `/entities/${world.retailer.id}`, { license_expires_on: d }, admin);
      expect(r.status, d).toBe(400);
      expect(r.body.error.details.field).toBe('license_expires_on');
      const o = await request(api.url, 'POST', '/orders', {
        retailer_id: world.retailer.id,
        wholesaler_id: world.wholesaler.id,
        ship_from_location_id: world.warehouse.id,
        ship_to_location_id: world.store.id,
        requested_delivery_date: d,
        items: [{ variant_id: world.variant.id, quantity: 1 }],
      }, admin);
      expect(o.status, d).toBe(400);
      expect(o.body.error.details.field).toBe('requested_delivery_date');
    }
    const leap = await request(api.url, 'PATCH', `/entities/${world.retailer.id}`, { license_expires_on: '2028-02-29' }, admin);
    expect(leap.status).toBe(200);
  });

  it('refuses control characters and unpaired surrogates in any string, writing nothing', async () => {
    const before = await count();
    for (const [name, field] of [['a\u0000b', 'name'], ['ok', 'description']] as const) {
      const body = field === 'name' ? { entity_id: world.wholesaler.id, name, category: 'Flower' } : { entity_id: world.wholesaler.id, name, category: 'Flower', description: 'x\u001by' };
      const r = await request(api.url, 'POST', '/products', body, admin);
      expect(r.status).toBe(400);
      expect(r.body.error.details.field).toBe(field);
    }
    // A lone surrogate can only arrive as a JSON escape: send the text byte for byte.
    const raw = `{"entity_id":"${world.wholesaler.id}","name":"a\\ud800b","category":"Flower"}`;
    const r = await request(api.url, 'POST', '/products', raw, admin);
    expect(r.status).toBe(400);
    expect(r.body.error.details.field).toBe('name');
    expect(await count()).toBe(before);
    const fine = await request(api.url, 'POST', '/products', { entity_id: world.wholesaler.id, name: 'Tab\tand 🌿 emoji', category: 'Flower' }, admin);
    expect(fine.status).toBe(201);
  });
});
