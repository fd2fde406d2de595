/**
 * Issue 14.5: reserving, releasing and shipping stock bump the inventory row's updated_at, so a
 * partner polling GET /inventory?sort=-updated_at sees every stock change. Real worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshStock, labelsFor, ordersEnv, placeOrder, transition, type OrdersEnv } from './helpers.js';

describe('stock changes bump inventory updated_at (issue 14.5)', () => {
  let env: OrdersEnv;
  beforeAll(async () => {
    env = await ordersEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  const row = async (id: string) => (await call(env, env.wholesaler, 'GET', `/inventory/${id}`)).body as { updated_at: string; quantity_reserved: number; quantity_on_hand: number };
  const newestFirst = async () => (await call(env, env.wholesaler, 'GET', '/inventory?sort=-updated_at&limit=1')).body.data[0]?.id as string;
  const tick = () => new Promise((r) => setTimeout(r, 20));

  it('reserve, release and ship each move updated_at forward and put the row first by -updated_at', async () => {
    const stock = await freshStock(env, 30);
    const other = await freshStock(env, 30);
    let last = (await row(stock.inventoryId)).updated_at;
    const changed = async (what: string, expected: Partial<{ quantity_reserved: number; quantity_on_hand: number }>) => {
      const now = await row(stock.inventoryId);
      expect(now, what).toMatchObject(expected);
      expect(Date.parse(now.updated_at), what).toBeGreaterThan(Date.parse(last));
      expect(await newestFirst(), what).toBe(stock.inventoryId);
      last = now.updated_at;
    };

    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 4 }]);
    await tick();
    expect((await transition(env, env.wholesaler, order.id, { action: 'accept' })).status).toBe(200);
    await changed('reserve', { quantity_reserved: 4 });

    // Another row changes after it, then this one is released and comes first again.
    await call(env, env.admin, 'PATCH', `/inventory/${other.inventoryId}`, { quantity_on_hand: 31 });
    await tick();
    expect((await transition(env, env.retailer, order.id, { action: 'cancel' })).status).toBe(200);
    await changed('release', { quantity_reserved: 0 });

    const shipped = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 5 }]);
    expect((await transition(env, env.wholesaler, shipped.id, { action: 'accept' })).status).toBe(200);
    expect((await transition(env, env.wholesaler, shipped.id, { action: 'fulfil', lines: labelsFor(shipped) })).status).toBe(200);
    last = (await row(stock.inventoryId)).updated_at;
    await tick();
    expect((await call(env, env.compliance, 'POST', `/orders/${shipped.id}/compliance-override`, { reason: 'test' })).status).toBe(200);
    await changed('ship', { quantity_reserved: 0, quantity_on_hand: 25 });
  });
});
