/**
 * Issue 14.4: the ETag a PATCH answers with is the one GET answers with, so it can be sent back
 * as If-Match. Orders (hand-written service) and the CRUD resources alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshStock, ordersEnv, placeOrder, type OrdersEnv } from './helpers.js';

describe('ETag stable across PATCH and GET (issue 14.4)', () => {
  let env: OrdersEnv;
  beforeAll(async () => {
    env = await ordersEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  async function roundTrip(headers: Record<string, string>, path: string, bodies: unknown[]) {
    for (const body of bodies) {
      const before = await call(env, headers, 'GET', path);
      const patched = await call(env, headers, 'PATCH', path, body, { 'if-match': before.headers.get('etag')! });
      expect(patched.status, `${path} ${JSON.stringify(patched.body)}`).toBe(200);
      const got = await call(env, headers, 'GET', path);
      expect(got.body, path).toEqual(patched.body);
      expect(got.headers.get('etag'), path).toBe(patched.headers.get('etag'));
    }
  }

  it('orders, order lines, entities, locations, products, variants and inventory', async () => {
    const stock = await freshStock(env, 50);
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 2 }]);
    // Several PATCHes in a row, each sent with the ETag of the answer before it.
    await roundTrip(env.retailer, `/orders/${order.id}`, [{ notes: 'one' }, { notes: 'two', requested_delivery_date: '2031-05-01' }, { notes: null }]);
    await roundTrip(env.retailer, `/orders/${order.id}/items/${order.items[0].id}`, [{ quantity: 3 }, { quantity: 4 }]);
    await roundTrip(env.admin, `/entities/${env.world.retailer.id}`, [{ name: `Renamed ${env.world.tag}` }, { license_expires_on: '2031-01-31' }]);
    await roundTrip(env.admin, `/locations/${env.world.store.id}`, [{ name: 'Front store' }, { address_line2: 'Suite 2' }]);
    await roundTrip(env.admin, `/products/${env.world.product.id}`, [{ description: 'x' }, { description: 'y' }]);
    await roundTrip(env.admin, `/product-variants/${env.world.variant.id}`, [{ price_minor: 2600 }, { price_minor: 2700 }]);
    await roundTrip(env.admin, `/inventory/${stock.inventoryId}`, [{ quantity_on_hand: 60 }, { quantity_on_hand: 61 }]);
  });

  it('a PATCH answer\'s ETag is accepted as If-Match by the next PATCH', async () => {
    const stock = await freshStock(env, 50);
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 2 }]);
    let etag = (await call(env, env.retailer, 'GET', `/orders/${order.id}`)).headers.get('etag')!;
    for (const notes of ['a', 'b', 'c', 'd', 'e']) {
      const r = await call(env, env.retailer, 'PATCH', `/orders/${order.id}`, { notes }, { 'if-match': etag });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      etag = r.headers.get('etag')!;
    }
  });
});
