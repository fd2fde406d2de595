/**
 * Issue 13.5: licensing facts are staff-only and an expired licence stops trading. An owner may
 * not PATCH its entity's type, licence type or expiry, nor assert a premises' licence number; an
 * order is refused at submission and at acceptance while either party's licence has expired.
 * Real HTTP, database, Temporal worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headersFor } from '../../support/auth.js';
import { createWorld } from '../../support/fixtures.js';
import { call, ordersEnv, stockOf, transition, type Headers, type OrdersEnv } from '../orders/helpers.js';

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe('regulated fields are staff-only; licence expiry is enforced (issue 13.5)', () => {
  let env: OrdersEnv;
  let operator: Headers;
  beforeAll(async () => {
    env = await ordersEnv();
    operator = await headersFor(env.deps, { role: 'operator' });
  });
  afterAll(async () => {
    await env?.close();
  });

  async function freshParties() {
    const world = await createWorld(env.api.url, env.admin);
    const [retailer, wholesaler] = await Promise.all([
      headersFor(env.deps, { role: 'owner', entityId: world.retailer.id }),
      headersFor(env.deps, { role: 'owner', entityId: world.wholesaler.id }),
    ]);
    return { world, retailer, wholesaler };
  }

  it('an owner cannot change what its entity is licensed as, or until when: 403 naming the field, nothing written', async () => {
    const { world, retailer } = await freshParties();
    const before = (await call(env, env.admin, 'GET', `/entities/${world.retailer.id}`)).body;
    for (const [field, value] of [['type', 'both'], ['license_type', 'Wholesale'], ['license_expires_on', '2099-12-31']] as const) {
      const r = await call(env, retailer, 'PATCH', `/entities/${world.retailer.id}`, { name: 'Renamed', [field]: value });
      expect(r.status, `${field}: ${JSON.stringify(r.body)}`).toBe(403);
      expect(r.body.error).toMatchObject({ code: 'FORBIDDEN', details: { field, issue: 'staff only' } });
      expect(r.body.error.message).toContain(field);
    }
    expect((await call(env, env.admin, 'GET', `/entities/${world.retailer.id}`)).body).toEqual(before);
    // The rest of the profile stays the owner's.
    const renamed = await call(env, retailer, 'PATCH', `/entities/${world.retailer.id}`, { name: `Renamed ${world.tag}` });
    expect(renamed.status).toBe(200);
    // Staff set licensing facts.
    for (const staff of [env.admin, operator]) {
      const r = await call(env, staff, 'PATCH', `/entities/${world.retailer.id}`, { license_type: 'Retail', license_expires_on: day(365) });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  });

  it("an owner cannot assert a premises' licence number: 403 naming license_number, no location created", async () => {
    const { world, wholesaler } = await freshParties();
    const body = { entity_id: world.wholesaler.id, name: 'Second warehouse', license_number: `X-${world.tag}`, address_line1: '2 Main St', city: 'Denver', state: 'CO', postal_code: '80202' };
    const count = async () => (await call(env, env.admin, 'GET', `/locations?entity_id=${world.wholesaler.id}&limit=1`)).body.pagination.total as number;
    const n = await count();
    const r = await call(env, wholesaler, 'POST', '/locations', body);
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.error).toMatchObject({ code: 'FORBIDDEN', details: { field: 'license_number' } });
    expect(await count()).toBe(n);
    expect((await call(env, env.admin, 'POST', '/locations', body)).status).toBe(201);
  });

  it("an expired licence of either party refuses submission and acceptance with 422 naming the licence", async () => {
    const { world, retailer, wholesaler } = await freshParties();
    const order = {
      retailer_id: world.retailer.id,
      wholesaler_id: world.wholesaler.id,
      ship_from_location_id: world.warehouse.id,
      ship_to_location_id: world.store.id,
      items: [{ variant_id: world.variant.id, quantity: 2 }],
    };
    const orders = async () => (await call(env, env.admin, 'GET', `/orders?retailer_id=${world.retailer.id}&limit=1`)).body.pagination.total as number;

    // The buyer's licence expired yesterday: no order. One that expires today is still valid.
    await call(env, env.admin, 'PATCH', `/entities/${world.retailer.id}`, { license_expires_on: day(-1) });
    const refused = await call(env, retailer, 'POST', '/orders', order);
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'UNPROCESSABLE_ENTITY',
      details: { field: 'retailer_id', license_number: world.retailer.license_number, license_expires_on: day(-1) },
    });
    expect(refused.body.error.message).toContain(world.retailer.license_number);
    expect(await orders()).toBe(0);
    await call(env, env.admin, 'PATCH', `/entities/${world.retailer.id}`, { license_expires_on: day(0) });

    // The seller's licence has expired: the seller's licence is named.
    await call(env, env.admin, 'PATCH', `/entities/${world.wholesaler.id}`, { license_expires_on: day(-3) });
    const both = await call(env, retailer, 'POST', '/orders', order);
    expect(both.status).toBe(422);
    expect(both.body.error.details).toMatchObject({ field: 'wholesaler_id', license_number: world.wholesaler.license_number });
    await call(env, env.admin, 'PATCH', `/entities/${world.wholesaler.id}`, { license_expires_on: day(30) });

    const placed = await call(env, retailer, 'POST', '/orders', order);
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    // The seller's licence lapses before it accepts: acceptance is refused, nothing is reserved.
    await call(env, env.admin, 'PATCH', `/entities/${world.wholesaler.id}`, { license_expires_on: day(-1) });
    const accept = await transition(env, wholesaler, placed.body.id, { action: 'accept' });
    expect(accept.status, JSON.stringify(accept.body)).toBe(422);
    expect(accept.body.error).toMatchObject({ code: 'UNPROCESSABLE_ENTITY', details: { field: 'wholesaler_id', license_number: world.wholesaler.license_number } });
    expect(await stockOf(env, world.stock.id)).toEqual({ onHand: 100, reserved: 0 });
    // Someone who may not accept anyway is still told so (403), not about the licence.
    expect((await transition(env, retailer, placed.body.id, { action: 'accept' })).status).toBe(403);
    // The buyer may still cancel.
    expect((await call(env, env.admin, 'GET', `/orders/${placed.body.id}`)).body.status).toBe('submitted');

    // The buyer's licence lapses instead: acceptance names the buyer's licence.
    await call(env, env.admin, 'PATCH', `/entities/${world.wholesaler.id}`, { license_expires_on: null });
    await call(env, env.admin, 'PATCH', `/entities/${world.retailer.id}`, { license_expires_on: day(-1) });
    const accept2 = await transition(env, wholesaler, placed.body.id, { action: 'accept' });
    expect(accept2.status).toBe(422);
    expect(accept2.body.error.details).toMatchObject({ field: 'retailer_id', license_number: world.retailer.license_number });

    await call(env, env.admin, 'PATCH', `/entities/${world.retailer.id}`, { license_expires_on: day(1) });
    expect((await transition(env, wholesaler, placed.body.id, { action: 'accept' })).status).toBe(200);
  });
});
