/**
 * The authorization matrix, second half (issue 13): every order operation and every regulated
 * field × the buyer, the seller, another tenant and the staff roles, on real objects in real
 * states (matrix.test.ts covers every operation × role on random ids). The expected answer is
 * computed from the rules in domain/ (policy, order transitions and editing, licensing); a pair
 * the rules allow is also carried out, on a fresh order in that state, and must succeed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../domain/actor.js';
import { REGULATED_FIELDS, refusedRegulatedFields } from '../../../domain/licensing.js';
import { decide as decideTransition, decideEdit, type OrderEdit, type OrderStatus } from '../../../domain/orders/index.js';
import { decide as policy, type Permission } from '../../../domain/policy.js';
import { apiKeyHeaders, headersFor } from '../../support/auth.js';
import { createWorld } from '../../support/fixtures.js';
import { call, freshStock, labelsFor, ordersEnv, placeOrder, transition, type Headers, type OrdersEnv } from '../orders/helpers.js';

interface Caller {
  name: string;
  actor: Actor;
  headers: Headers;
}

type Order = { id: string; items: Array<{ id: string; variant_id: string; quantity: number }> };

const ACTIONS = ['accept', 'reject', 'fulfil', 'ship', 'deliver', 'complete', 'cancel'] as const;
const OPEN: OrderStatus[] = ['submitted', 'accepted', 'fulfilled', 'shipped', 'delivered'];
const PATH_TO: Record<string, Array<'accept' | 'fulfil' | 'ship' | 'deliver'>> = {
  submitted: [],
  accepted: ['accept'],
  fulfilled: ['accept', 'fulfil'],
  shipped: ['accept', 'fulfil', 'ship'],
  delivered: ['accept', 'fulfil', 'ship', 'deliver'],
};

describe('authorization matrix: buyer, seller, other tenant and staff on every order operation and regulated field', () => {
  let env: OrdersEnv;
  let variantId: string;
  const callers: Caller[] = [];

  beforeAll(async () => {
    env = await ordersEnv();
    variantId = (await freshStock(env, 100_000)).variantId;
    const R = env.world.retailer.id as string;
    const W = env.world.wholesaler.id as string;
    const other = await createWorld(env.api.url, env.admin);
    const user = async (name: string, role: Actor['role'], entityId?: string) =>
      callers.push({ name, actor: { kind: 'user', id: name, role, ...(entityId ? { entityId } : {}) }, headers: await headersFor(env.deps, { role: role as 'owner', ...(entityId ? { entityId } : {}) }) });
    const key = async (name: string, entityId: string, scopes: Array<'orders:write' | 'orders:read'>) =>
      callers.push({ name, actor: { kind: 'api_key', id: name, role: 'partner', entityId, scopes }, headers: await apiKeyHeaders(env.deps, { entityId, scopes }) });
    await user('buyer owner', 'owner', R);
    await user('buyer member', 'member', R);
    await key('buyer key', R, ['orders:write']);
    await key('buyer read-only key', R, ['orders:read']);
    await user('seller owner', 'owner', W);
    await user('seller member', 'member', W);
    await key('seller key', W, ['orders:write']);
    await user('other tenant owner', 'owner', other.retailer.id);
    await user('admin', 'admin');
    await user('operator', 'operator');
    await user('compliance', 'compliance');
  });
  afterAll(async () => {
    await env?.close();
  });

  const isStranger = (c: Caller) => c.name.startsWith('other tenant');

  /** A new one-line order, driven by its rightful parties to `status`. */
  async function orderAt(status: OrderStatus): Promise<Order> {
    const order = (await placeOrder(env, [{ variant_id: variantId, quantity: 1 }])) as Order;
    for (const step of PATH_TO[status]!) {
      const r =
        step === 'ship'
          ? await call(env, env.compliance, 'POST', `/orders/${order.id}/compliance-override`, { reason: 'matrix' })
          : await transition(env, step === 'deliver' ? env.retailer : env.wholesaler, order.id, { action: step, ...(step === 'fulfil' ? { lines: labelsFor(order) } : {}) });
      if (r.status !== 200) throw new Error(`${step} → ${r.status} ${JSON.stringify(r.body)}`);
    }
    return order;
  }

  const factsOf = async (id: string) => {
    const o = (await call(env, env.admin, 'GET', `/orders/${id}`)).body;
    return { status: o.status as OrderStatus, retailerId: o.retailer_id as string, wholesalerId: o.wholesaler_id as string, metrcState: o.metrc.state };
  };

  /** 401/403 from the permission table, 404 for another tenant, otherwise what `rules` say. */
  function expected(c: Caller, permission: Permission, rules: () => number): number {
    if (policy(c.actor, permission) !== 'allow') return 403;
    if (isStranger(c)) return 404;
    return rules();
  }

  it('every transition at every open status, for every caller', async () => {
    const mismatches: string[] = [];
    const got: Record<string, number> = {};
    for (const status of OPEN) {
      const probe = await orderAt(status);
      const facts = await factsOf(probe.id);
      for (const action of ACTIONS) {
        for (const c of callers) {
          const body = { action, reason: 'matrix', ...(action === 'fulfil' ? { lines: labelsFor(probe) } : {}) };
          const d = decideTransition(facts, c.actor, body);
          const want = expected(c, 'orders:write', () => (d.ok ? 200 : { forbidden: 403, invalid_transition: 409, unprocessable: 422 }[d.error]));
          // An allowed transition is carried out on a fresh order in the same state.
          const target = want === 200 ? await orderAt(status) : probe;
          const r = await transition(env, c.headers, target.id, { ...body, ...(action === 'fulfil' ? { lines: labelsFor(target) } : {}) });
          got[`${status}/${action}/${c.name}`] = r.status;
          if (r.status !== want) mismatches.push(`${status}/${action} as ${c.name}: expected ${want}, got ${r.status} ${r.body?.error?.message ?? ''}`);
        }
      }
      expect((await factsOf(probe.id)).status, 'refused transitions change nothing').toBe(status);
    }
    expect(mismatches).toEqual([]);
    // Anchors written out by hand, so a rule changed in domain/ alone cannot pass unnoticed.
    expect(got).toMatchObject({
      'submitted/accept/seller member': 200,
      'submitted/accept/operator': 403,
      'submitted/accept/admin': 403,
      'submitted/accept/buyer owner': 403,
      'submitted/cancel/operator': 200,
      'submitted/cancel/seller owner': 403,
      'accepted/fulfil/admin': 403,
      'accepted/cancel/admin': 200,
      'shipped/deliver/operator': 403,
      'delivered/complete/seller key': 200,
      'submitted/accept/other tenant owner': 404,
      'submitted/cancel/compliance': 403,
    });
  });

  it('the compliance override, for every caller', async () => {
    const mismatches: string[] = [];
    const probe = await orderAt('fulfilled');
    for (const c of callers) {
      const want = expected(c, 'orders:override', () => 200);
      const target = want === 200 ? await orderAt('fulfilled') : probe;
      const r = await call(env, c.headers, 'POST', `/orders/${target.id}/compliance-override`, { reason: 'matrix' });
      if (r.status !== want) mismatches.push(`override as ${c.name}: expected ${want}, got ${r.status}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('every edit (order details, add, change and remove a line) at submitted and accepted, for every caller', async () => {
    const mismatches: string[] = [];
    const got: Record<string, number> = {};
    for (const status of ['submitted', 'accepted'] as const) {
      const order = await orderAt(status);
      const item = order.items[0]!;
      // Probes that change nothing when allowed: the same notes, the same quantity, a variant
      // already on the order (409 after the rules), and the only line (409 after the rules).
      const edits: Array<[OrderEdit, string, string, unknown, number]> = [
        ['details', 'PATCH', `/orders/${order.id}`, { notes: 'matrix' }, 200],
        ['change_line', 'PATCH', `/orders/${order.id}/items/${item.id}`, { quantity: item.quantity }, 200],
        ['add_line', 'POST', `/orders/${order.id}/items`, { variant_id: item.variant_id, quantity: 1 }, 409],
        ['remove_line', 'DELETE', `/orders/${order.id}/items/${item.id}`, undefined, 409],
      ];
      const facts = { ...(await factsOf(order.id)), stockHeld: status === 'accepted' };
      for (const [edit, method, path, body, whenAllowed] of edits) {
        for (const c of callers) {
          const d = decideEdit(facts, c.actor, edit, edit === 'details' ? ['notes'] : []);
          const want = expected(c, 'orders:write', () => (d.ok ? whenAllowed : { forbidden: 403, conflict: 409, unprocessable: 422 }[d.error]));
          const r = await call(env, c.headers, method, path, body);
          got[`${status}/${edit}/${c.name}`] = r.status;
          if (r.status !== want) mismatches.push(`${status}/${edit} as ${c.name}: expected ${want}, got ${r.status} ${r.body?.error?.message ?? ''}`);
        }
      }
      const after = (await call(env, env.admin, 'GET', `/orders/${order.id}`)).body;
      expect(after.items.map((i: { quantity: number }) => i.quantity), 'no refused edit changed a line').toEqual([1]);
    }
    expect(mismatches).toEqual([]);
    expect(got).toMatchObject({
      'submitted/change_line/seller owner': 403,
      'submitted/add_line/seller key': 403,
      'submitted/details/seller member': 403,
      'submitted/change_line/buyer member': 200,
      'submitted/details/operator': 200,
      'submitted/remove_line/buyer key': 409,
      'accepted/change_line/buyer owner': 409,
      'accepted/change_line/seller owner': 403,
      'submitted/change_line/other tenant owner': 404,
    });
  });

  it('every order read, for every caller: the parties and staff see it, another tenant does not', async () => {
    const order = await orderAt('accepted');
    const item = order.items[0]!;
    const mismatches: string[] = [];
    for (const c of callers) {
      for (const path of [`/orders/${order.id}`, `/orders/${order.id}/timeline`, `/orders/${order.id}/items`, `/orders/${order.id}/items/${item.id}`]) {
        const want = expected(c, 'orders:read', () => 200);
        const r = await call(env, c.headers, 'GET', path);
        if (r.status !== want) mismatches.push(`GET ${path} as ${c.name}: expected ${want}, got ${r.status}`);
      }
      const listed = await call(env, c.headers, 'GET', `/orders?limit=100&sort=-created_at`);
      const seen = listed.status === 200 && listed.body.data.some((o: { id: string }) => o.id === order.id);
      if (seen === isStranger(c) && policy(c.actor, 'orders:read') === 'allow') mismatches.push(`list as ${c.name}: sees the order = ${seen}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('every regulated field of an entity and a location, for every caller', async () => {
    const mismatches: string[] = [];
    const entityCallers = [...callers];
    for (const side of ['retailer', 'wholesaler'] as const) {
      const entity = (await call(env, env.admin, 'GET', `/entities/${env.world[side].id}`)).body;
      // Values equal to the stored ones (or a future expiry): an allowed PATCH changes nothing that matters.
      const values: Record<string, unknown> = { type: entity.type, license_type: entity.license_type, license_expires_on: '2099-12-31' };
      const patchable = REGULATED_FIELDS.entities.filter((f) => f in values);
      for (const field of patchable) {
        for (const c of entityCallers) {
          const own = c.actor.entityId === entity.id;
          const want =
            policy(c.actor, 'entities:update') !== 'allow'
              ? 403
              : c.actor.entityId && !own
                ? 404
                : refusedRegulatedFields(c.actor, 'entities', { [field]: values[field] }).length
                  ? 403
                  : 200;
          const r = await call(env, c.headers, 'PATCH', `/entities/${entity.id}`, { [field]: values[field] });
          if (r.status !== want) mismatches.push(`PATCH ${side} ${field} as ${c.name}: expected ${want}, got ${r.status}`);
          if (r.status === 403 && want === 403 && refusedRegulatedFields(c.actor, 'entities', { [field]: 1 }).length && policy(c.actor, 'entities:update') === 'allow') {
            if (r.body.error.details?.field !== field) mismatches.push(`PATCH ${side} ${field} as ${c.name}: 403 does not name the field`);
          }
        }
      }
      const after = (await call(env, env.admin, 'GET', `/entities/${entity.id}`)).body;
      expect({ type: after.type, license_type: after.license_type }).toEqual({ type: entity.type, license_type: entity.license_type });

      // A location's licence number, at creation.
      for (const c of entityCallers) {
        const body = { entity_id: entity.id, name: `Premises ${c.name}`, license_number: `M-${side[0]}-${c.name.replace(/\W/g, '')}`.slice(0, 60), address_line1: '3 Main St', city: 'Denver', state: 'CO', postal_code: '80202' };
        const own = c.actor.entityId === entity.id;
        const want =
          policy(c.actor, 'locations:write') !== 'allow' ? 403 : c.actor.entityId && !own ? 422 : refusedRegulatedFields(c.actor, 'locations', body).length ? 403 : 201;
        const r = await call(env, c.headers, 'POST', '/locations', body);
        // Another tenant's entity: refused as a reference the caller may not use (422) or hidden (404).
        const ok = want === 422 ? [403, 404, 422].includes(r.status) && r.status !== 201 : r.status === want;
        if (!ok) mismatches.push(`POST /locations for ${side} as ${c.name}: expected ${want}, got ${r.status}`);
        if (want === 403 && r.status === 403 && policy(c.actor, 'locations:write') === 'allow' && r.body.error.details?.field !== 'license_number') {
          mismatches.push(`POST /locations as ${c.name}: 403 does not name license_number`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});
