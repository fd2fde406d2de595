/**
 * Another tenant's objects answer 404 — for reads and for writes — and nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_SCOPES } from '../../../domain/policy.js';
import { adminHeaders, apiKeyHeaders, createTestSession, createTestUser, headersFor } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

describe('tenant isolation', () => {
  const deps = createDeps();
  let api: RunningApi;
  let admin: Record<string, string>;
  let a: Awaited<ReturnType<typeof createWorld>>;
  let b: Awaited<ReturnType<typeof createWorld>>;
  let orderA: { id: string; items: Array<{ id: string }> };

  beforeAll(async () => {
    api = await startApi(deps);
    admin = await adminHeaders(deps);
    [a, b] = [await createWorld(api.url, admin), await createWorld(api.url, admin)];
    const r = await request(api.url, 'POST', '/orders', {
      retailer_id: a.retailer.id,
      wholesaler_id: a.wholesaler.id,
      ship_from_location_id: a.warehouse.id,
      ship_to_location_id: a.store.id,
      items: [{ variant_id: a.variant.id, quantity: 2 }],
    }, admin);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    orderA = r.body;
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  const snapshot = async () =>
    JSON.stringify(
      await Promise.all(
        [`/orders/${orderA.id}`, `/inventory/${a.stock.id}`, `/products/${a.product.id}`, `/product-variants/${a.variant.id}`, `/locations/${a.warehouse.id}`, `/entities/${a.wholesaler.id}`].map(
          async (p) => {
            const body = (await request(api.url, 'GET', p, undefined, admin)).body;
            delete body.available_transitions; // computed per caller, not stored
            return body;
          },
        ),
      ),
    );

  it('hides orders and stock of other tenants on every read path', async () => {
    const outsiders = {
      'other retailer owner': await headersFor(deps, { role: 'owner', entityId: b.retailer.id }),
      'other wholesaler member': await headersFor(deps, { role: 'member', entityId: b.wholesaler.id }),
      'other retailer key': await apiKeyHeaders(deps, { entityId: b.retailer.id, scopes: [...API_KEY_SCOPES] }),
    };
    for (const [who, h] of Object.entries(outsiders)) {
      for (const path of [`/orders/${orderA.id}`, `/orders/${orderA.id}/items`, `/orders/${orderA.id}/items/${orderA.items[0]!.id}`, `/inventory/${a.stock.id}`]) {
        const r = await request(api.url, 'GET', path, undefined, h);
        expect(r.status, `${who} GET ${path}`).toBe(404);
        expect(r.body.error.code).toBe('NOT_FOUND');
      }
      const orders = await request(api.url, 'GET', `/orders?retailer_id=${a.retailer.id}`, undefined, h);
      expect(orders.body.data, who).toEqual([]);
      const stock = await request(api.url, 'GET', `/inventory?entity_id=${a.wholesaler.id}`, undefined, h);
      expect(stock.body.data, who).toEqual([]);
    }
    // Both parties of the order see it; the wholesaler sees its own stock.
    expect((await request(api.url, 'GET', `/orders/${orderA.id}`, undefined, await headersFor(deps, { role: 'member', entityId: a.retailer.id }))).status).toBe(200);
    const wholesalerA = await headersFor(deps, { role: 'owner', entityId: a.wholesaler.id });
    expect((await request(api.url, 'GET', `/orders/${orderA.id}`, undefined, wholesalerA)).status).toBe(200);
    expect((await request(api.url, 'GET', `/inventory/${a.stock.id}`, undefined, wholesalerA)).status).toBe(200);
  });

  it('answers 404 to cross-tenant writes and changes nothing', async () => {
    const before = await snapshot();
    const outsiders = [
      await headersFor(deps, { role: 'owner', entityId: b.wholesaler.id }),
      await headersFor(deps, { role: 'owner', entityId: b.retailer.id }),
      await apiKeyHeaders(deps, { entityId: b.wholesaler.id, scopes: [...API_KEY_SCOPES] }),
    ];
    const auditBefore = (await request(api.url, 'GET', '/audit-log?limit=1', undefined, admin)).body.pagination.total;
    const writes: Array<[string, string, unknown?]> = [
      ['PATCH', `/orders/${orderA.id}`, { notes: 'hijacked' }],
      ['POST', `/orders/${orderA.id}/items`, { variant_id: a.variant.id, quantity: 1 }],
      ['PATCH', `/orders/${orderA.id}/items/${orderA.items[0]!.id}`, { quantity: 99 }],
      ['DELETE', `/orders/${orderA.id}/items/${orderA.items[0]!.id}`],
      ['PATCH', `/inventory/${a.stock.id}`, { quantity_on_hand: 1 }],
      ['DELETE', `/inventory/${a.stock.id}`],
      ['PATCH', `/products/${a.product.id}`, { name: 'Hijacked' }],
      ['DELETE', `/products/${a.product.id}`],
      ['PATCH', `/product-variants/${a.variant.id}`, { price_minor: 1 }],
      ['DELETE', `/product-variants/${a.variant.id}`],
      ['PATCH', `/locations/${a.warehouse.id}`, { name: 'Hijacked' }],
      ['DELETE', `/locations/${a.warehouse.id}`],
      ['PATCH', `/entities/${a.wholesaler.id}`, { name: 'Hijacked' }],
    ];
    for (const h of outsiders) {
      for (const [method, path, body] of writes) {
        const r = await request(api.url, method, path, body, h);
        // Keys and members lacking the permission are refused outright; everyone else gets 404.
        expect([403, 404], `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`).toContain(r.status);
        if (r.status === 403) expect(r.body.error.details.permission).toBeDefined();
      }
    }
    // Those with the permission but not the object got exactly 404.
    const owner = outsiders[0]!;
    for (const [method, path, body] of writes) expect((await request(api.url, method, path, body, owner)).status, `${method} ${path}`).toBe(404);
    expect(await snapshot()).toBe(before);
    expect((await request(api.url, 'GET', '/audit-log?limit=1', undefined, admin)).body.pagination.total).toBe(auditBefore);
  });

  it('keeps API keys and sessions to their owners', async () => {
    const ownerA = await headersFor(deps, { role: 'owner', entityId: a.retailer.id });
    const ownerB = await headersFor(deps, { role: 'owner', entityId: b.retailer.id });
    const key = await request(api.url, 'POST', '/api-keys', { name: 'A key', scopes: ['orders:read'] }, ownerA);
    expect(key.status).toBe(201);
    expect((await request(api.url, 'GET', '/api-keys', undefined, ownerB)).body.data.map((k: { id: string }) => k.id)).not.toContain(key.body.id);
    expect((await request(api.url, 'DELETE', `/api-keys/${key.body.id}`, undefined, ownerB)).status).toBe(404);
    expect((await request(api.url, 'POST', '/api-keys', { name: 'B for A', scopes: ['orders:read'], entity_id: a.retailer.id }, ownerB)).status).toBe(404);
    expect((await request(api.url, 'GET', '/orders', undefined, { 'x-api-key': key.body.key })).status).toBe(200);

    const userA = await createTestUser(deps, { role: 'member', entityId: a.retailer.id });
    const tokenA = await createTestSession(deps, userA.id);
    const [[s]] = (await deps.sequelize.query('SELECT id FROM user_sessions WHERE user_id = ?', { replacements: [userA.id] })) as [Array<{ id: string }>, unknown];
    expect((await request(api.url, 'DELETE', `/auth/sessions/${s!.id}`, undefined, ownerB)).status).toBe(404);
    expect((await request(api.url, 'GET', '/auth/me', undefined, { authorization: `Bearer ${tokenA}` })).status).toBe(200);
  });
});
