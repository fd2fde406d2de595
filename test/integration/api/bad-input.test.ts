/**
 * Issue 3, item 8: bad input never becomes a 500. One test per class of mistake; each asserts the
 * status, the seed's error envelope with the offending field and the problem in `details`, and
 * that the database is byte-for-byte what it was before the request (CHECKSUM TABLE).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { adminHeaders } from '../../support/auth.js';
import { createWorld, request as rawRequest } from '../../support/fixtures.js';

const TABLES = ['entities', 'locations', 'products', 'product_variants', 'inventory', 'orders', 'order_items', 'idempotency_keys'];

describe('bad input is a 4xx envelope and changes nothing', () => {
  const deps = createDeps();
  let api: RunningApi;
  let auth: Record<string, string>;
  let world: Awaited<ReturnType<typeof createWorld>>;
  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    rawRequest(api.url, method, path, body, { ...auth, ...headers });

  async function snapshot() {
    const [rows] = await deps.sequelize.query(`CHECKSUM TABLE ${TABLES.join(', ')}`);
    return rows;
  }

  /** Sends the request and checks the envelope and that no table changed. */
  async function rejects(
    call: () => Promise<{ status: number; body: { error?: { code: string; message: string; details: Record<string, unknown> } } }>,
    expected: { status: number; code: string; field: string; issue?: RegExp },
  ) {
    const before = await snapshot();
    const r = await call();
    expect(r.status, JSON.stringify(r.body)).toBe(expected.status);
    expect(Object.keys(r.body)).toEqual(['error']);
    expect(r.body.error!.code).toBe(expected.code);
    expect(typeof r.body.error!.message).toBe('string');
    expect(r.body.error!.details.field).toBe(expected.field);
    expect(String(r.body.error!.details.issue)).toMatch(expected.issue ?? /\w/);
    expect(await snapshot()).toEqual(before);
    return r.body.error!;
  }

  beforeAll(async () => {
    api = await startApi(deps);
    auth = await adminHeaders(deps);
    world = await createWorld(api.url, auth);
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('malformed JSON → 400 naming the body', async () => {
    await rejects(() => request('POST', '/products', '{"entity_id": "x", "name": '), { status: 400, code: 'VALIDATION_ERROR', field: 'body', issue: /JSON/ });
    await rejects(() => request('POST', '/products', '[1, 2]'), { status: 400, code: 'VALIDATION_ERROR', field: 'body', issue: /object/ });
  });

  it('wrong types → 400 naming the field (bodies are not coerced)', async () => {
    await rejects(() => request('POST', '/products', { entity_id: world.wholesaler.id, name: 5, category: 'Flower' }), {
      status: 400, code: 'VALIDATION_ERROR', field: 'name', issue: /string/,
    });
    await rejects(() => request('PATCH', `/product-variants/${world.variant.id}`, { price_minor: '2500' }), {
      status: 400, code: 'VALIDATION_ERROR', field: 'price_minor', issue: /integer/,
    });
    await rejects(
      () => request('POST', '/orders', {
        retailer_id: world.retailer.id, wholesaler_id: world.wholesaler.id, ship_from_location_id: world.warehouse.id,
        ship_to_location_id: world.store.id, items: [{ variant_id: world.variant.id, quantity: 'four' }],
      }),
      { status: 400, code: 'VALIDATION_ERROR', field: 'items[0].quantity', issue: /integer/ },
    );
  });

  it('unknown fields → 400 naming the field', async () => {
    await rejects(() => request('POST', '/products', { entity_id: world.wholesaler.id, name: 'Gummies', category: 'Edible', colour: 'red' }), {
      status: 400, code: 'VALIDATION_ERROR', field: 'colour', issue: /additional properties/,
    });
    await rejects(() => request('PATCH', `/entities/${world.wholesaler.id}`, { license_number: 'CHANGED-1' }), {
      status: 400, code: 'VALIDATION_ERROR', field: 'license_number', issue: /additional properties/,
    });
  });

  it('oversized bodies (> 256 kb) → 413', async () => {
    const description = 'x'.repeat(300 * 1024);
    await rejects(() => request('POST', '/products', { entity_id: world.wholesaler.id, name: 'Big', category: 'Flower', description }), {
      status: 413, code: 'PAYLOAD_TOO_LARGE', field: 'body', issue: /256/,
    });
  });

  it('invalid UUIDs in paths → 400 naming the parameter', async () => {
    await rejects(() => request('GET', '/products/not-a-uuid'), { status: 400, code: 'VALIDATION_ERROR', field: 'id', issue: /pattern|uuid/ });
    await rejects(() => request('PATCH', "/entities/1' OR '1'='1", { name: 'x' }), { status: 400, code: 'VALIDATION_ERROR', field: 'id' });
    await rejects(() => request('DELETE', '/locations/12345'), { status: 400, code: 'VALIDATION_ERROR', field: 'id' });
    await rejects(() => request('GET', '/orders/zzz/items'), { status: 400, code: 'VALIDATION_ERROR', field: 'orderId' });
  });

  it('out-of-range pages and limits → 400 naming the parameter', async () => {
    await rejects(() => request('GET', '/products?page=0'), { status: 400, code: 'VALIDATION_ERROR', field: 'page', issue: />= 1/ });
    await rejects(() => request('GET', '/products?page=abc'), { status: 400, code: 'VALIDATION_ERROR', field: 'page', issue: /integer/ });
    await rejects(() => request('GET', '/entities?limit=0'), { status: 400, code: 'VALIDATION_ERROR', field: 'limit', issue: />= 1/ });
    await rejects(() => request('GET', '/orders?limit=201'), { status: 400, code: 'VALIDATION_ERROR', field: 'limit', issue: /<= 200/ });
  });

  it('unknown sort fields → 400 listing the allowed values', async () => {
    const e = await rejects(() => request('GET', '/products?sort=price'), { status: 400, code: 'VALIDATION_ERROR', field: 'sort', issue: /allowed values/ });
    expect(String(e.details.issue)).toContain('-created_at');
    await rejects(() => request('GET', '/orders?sort=-status'), { status: 400, code: 'VALIDATION_ERROR', field: 'sort' });
  });

  it('unknown query parameters → 400 naming the parameter', async () => {
    await rejects(() => request('GET', '/products?colour=red'), { status: 400, code: 'VALIDATION_ERROR', field: 'colour', issue: /Unknown query parameter/ });
  });

  it('deleting a row others depend on → 409, nothing cascades', async () => {
    const e = await rejects(() => request('DELETE', `/entities/${world.wholesaler.id}`), { status: 409, code: 'CONFLICT', field: 'id', issue: /referenced/ });
    expect(e.details.referenced_by).toMatchObject({ locations: 1, products: 1 });
    await rejects(() => request('DELETE', `/products/${world.product.id}`), { status: 409, code: 'CONFLICT', field: 'id', issue: /variants/ });
    await rejects(() => request('DELETE', `/product-variants/${world.variant.id}`), { status: 409, code: 'CONFLICT', field: 'id', issue: /inventory/ });
    expect((await request('GET', `/products/${world.product.id}`)).status).toBe(200);
  });

  it('duplicate unique keys → 409 naming the field', async () => {
    await rejects(
      () => request('POST', '/entities', { type: 'retailer', name: 'Copycat', license_number: world.retailer.license_number, license_state: 'CO', license_type: 'Retail' }),
      { status: 409, code: 'CONFLICT', field: 'license_number', issue: /already exists/ },
    );
    await rejects(() => request('POST', '/product-variants', { product_id: world.product.id, sku: world.variant.sku, name: 'again', price_minor: 100 }), {
      status: 409, code: 'CONFLICT', field: 'sku', issue: /already exists/,
    });
    await rejects(() => request('POST', '/inventory', { variant_id: world.variant.id, location_id: world.warehouse.id, quantity_on_hand: 1 }), {
      status: 409, code: 'CONFLICT', field: 'location_id',
    });
    const other = await request('POST', '/product-variants', { product_id: world.product.id, sku: `OTHER-${world.tag}`, name: '7g', price_minor: 4000 });
    expect(other.status).toBe(201);
    await rejects(() => request('PATCH', `/product-variants/${other.body.id}`, { sku: world.variant.sku }), { status: 409, code: 'CONFLICT', field: 'sku' });
  });

  it('references to rows that do not exist → 422 naming the field', async () => {
    const ghost = randomUUID();
    await rejects(() => request('POST', '/products', { entity_id: ghost, name: 'Orphan', category: 'Flower' }), {
      status: 422, code: 'UNPROCESSABLE_ENTITY', field: 'entity_id', issue: /not found/,
    });
    await rejects(() => request('POST', '/inventory', { variant_id: ghost, location_id: world.warehouse.id, quantity_on_hand: 5 }), {
      status: 422, code: 'UNPROCESSABLE_ENTITY', field: 'variant_id',
    });
    await rejects(
      () => request('POST', '/orders', {
        retailer_id: ghost, wholesaler_id: world.wholesaler.id, ship_from_location_id: world.warehouse.id,
        ship_to_location_id: world.store.id, items: [{ variant_id: world.variant.id, quantity: 1 }],
      }),
      { status: 422, code: 'UNPROCESSABLE_ENTITY', field: 'retailer_id' },
    );
    await rejects(
      () => request('POST', '/orders', {
        retailer_id: world.retailer.id, wholesaler_id: world.wholesaler.id, ship_from_location_id: world.warehouse.id,
        ship_to_location_id: world.store.id, items: [{ variant_id: ghost, quantity: 1 }],
      }),
      { status: 422, code: 'UNPROCESSABLE_ENTITY', field: 'items[0].variant_id' },
    );
  });

  it('a body that is not JSON → 415 naming the content type', async () => {
    await rejects(() => request('POST', '/products', 'name=x', { 'content-type': 'text/plain' }), {
      status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type',
    });
  });
});
