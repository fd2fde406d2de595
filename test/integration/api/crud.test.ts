import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { adminHeaders } from '../../support/auth.js';
import { createWorld, request as rawRequest } from '../../support/fixtures.js';

describe('core REST resources', () => {
  const deps = createDeps();
  let api: RunningApi;
  let world: Awaited<ReturnType<typeof createWorld>>;
  let auth: Record<string, string>;
  const request = (base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    rawRequest(base, method, path, body, { ...auth, ...headers });
  beforeAll(async () => {
    api = await startApi(deps);
    auth = await adminHeaders(deps);
    world = await createWorld(api.url, auth);
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('lists with the seed pagination envelope, filters and full-text search', async () => {
    const r = await request(api.url, 'GET', `/products?entity_id=${world.wholesaler.id}&q=blue%20dream&limit=10`);
    expect(r.status).toBe(200);
    expect(r.body.pagination).toEqual({ page: 1, limit: 10, total: 1, total_pages: 1 });
    expect(r.body.data[0].id).toBe(world.product.id);
    const none = await request(api.url, 'GET', `/products?entity_id=${world.wholesaler.id}&q=nonexistentword`);
    expect(none.body.data).toEqual([]);
    expect(none.body.pagination.total).toBe(0);
  });

  it('defaults limit to 50 and returns an empty page past the end', async () => {
    const r = await request(api.url, 'GET', '/entities?page=999');
    expect(r.status).toBe(200);
    expect(r.body.pagination.limit).toBe(50);
    expect(r.body.data).toEqual([]);
  });

  it('derives server-owned fields: variant entity from its product, inventory availability', async () => {
    expect(world.variant.entity_id).toBe(world.wholesaler.id);
    expect(world.stock).toMatchObject({ quantity_on_hand: 100, quantity_reserved: 0, quantity_available: 100, product_id: world.product.id });
  });

  it('creates an order priced from the catalog with its lines', async () => {
    const r = await request(api.url, 'POST', '/orders', {
      retailer_id: world.retailer.id,
      wholesaler_id: world.wholesaler.id,
      ship_from_location_id: world.warehouse.id,
      ship_to_location_id: world.store.id,
      items: [{ variant_id: world.variant.id, quantity: 4 }],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'submitted', subtotal_minor: 10000, total_minor: 10000, item_count: 1 });
    expect(r.body.items[0]).toMatchObject({ quantity: 4, unit_price_minor: 2500, line_total_minor: 10000 });
    expect(r.headers.get('location')).toBe(`/api/v1/orders/${r.body.id}`);
    const listed = await request(api.url, 'GET', `/orders?wholesaler_id=${world.wholesaler.id}&status=submitted`);
    expect(listed.body.data.map((o: { id: string }) => o.id)).toContain(r.body.id);
  });

  it('PATCH honours If-Match with the ETag from GET, 412 when stale', async () => {
    const got = await request(api.url, 'GET', `/products/${world.product.id}`);
    const etag = got.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const ok = await request(api.url, 'PATCH', `/products/${world.product.id}`, { brand: 'Summit' }, { 'If-Match': etag });
    expect(ok.status).toBe(200);
    expect(ok.body.brand).toBe('Summit');
    const stale = await request(api.url, 'PATCH', `/products/${world.product.id}`, { brand: 'Other' }, { 'If-Match': etag });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('PRECONDITION_FAILED');
    expect((await request(api.url, 'GET', `/products/${world.product.id}`)).body.brand).toBe('Summit');
  });

  it('replays a POST with the same Idempotency-Key and refuses a different body', async () => {
    const key = `idem-${world.tag}-1`;
    const body = { entity_id: world.wholesaler.id, name: 'Idempotent Gummies', category: 'Edible' };
    const first = await request(api.url, 'POST', '/products', body, { 'Idempotency-Key': key });
    const second = await request(api.url, 'POST', '/products', body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const count = await request(api.url, 'GET', `/products?entity_id=${world.wholesaler.id}&category=Edible`);
    expect(count.body.pagination.total).toBe(1);
    const other = await request(api.url, 'POST', '/products', { ...body, name: 'Different' }, { 'Idempotency-Key': key });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('serves the raw spec and the docs', async () => {
    const spec = await fetch(`${api.url}/api/v1/openapi.json`);
    expect(((await spec.json()) as { openapi: string }).openapi).toBe('3.1.0');
    const yaml = await fetch(`${api.url}/api/v1/openapi.yaml`);
    expect(await yaml.text()).toContain('openapi: 3.1.0');
    const docs = await fetch(`${api.url}/api/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
  });
});
