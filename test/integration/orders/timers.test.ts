import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models } from '../../../db/models.js';
import { closeDeps, createDeps, startApi } from '../../support/harness.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { call, freshStock, labelsFor, ordersEnv, placeOrder, stockOf, streamEventsFor, transition, waitFor, type OrdersEnv } from './helpers.js';
import { orderWorkflowId } from '../../../contracts/ids.js';

describe('order timers and start-up guarantees', () => {
  let env: OrdersEnv;
  beforeAll(async () => {
    // Seconds instead of days: the deadline reaches the workflow through its input.
    env = await ordersEnv({ env: { ORDER_ACCEPT_DEADLINE: '4s', ORDER_REMINDER_BEFORE: '1s', ORDER_AUTO_COMPLETE_AFTER: '1s' } });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('an order nobody accepts gets reminders, then expires and can no longer be accepted', async () => {
    const stock = await freshStock(env, 10);
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 2 }]);
    const expired = await waitFor('expiry', async () => {
      const r = await call(env, env.wholesaler, 'GET', `/orders/${order.id}`);
      return r.body.status === 'expired' ? r.body : undefined;
    });
    expect(expired.available_transitions).toEqual([]);
    const timeline = await call(env, env.wholesaler, 'GET', `/orders/${order.id}/timeline`);
    const types = timeline.body.data.map((e: { type: string; to_status: string | null }) => e.to_status ?? e.type);
    expect(types).toEqual(['submitted', 'reminder_sent', 'reminder_sent', 'expired']);
    expect(timeline.body.data[1].detail).toMatchObject({ recipient_entity_id: env.world.wholesaler.id, channel: 'log' });
    expect(timeline.body.data[3].actor).toMatchObject({ kind: 'system', role: 'system' });
    const late = await transition(env, env.wholesaler, order.id, { action: 'accept' });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('INVALID_TRANSITION');
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 10, reserved: 0 });
    expect((await streamEventsFor(env, order.id)).map((e) => e.type)).toEqual(['order.reminder_sent', 'order.reminder_sent', 'order.status_changed']);
  });

  it('an order accepted in time does not expire; a delivered one completes by itself', async () => {
    const stock = await freshStock(env, 10);
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 2 }]);
    expect((await transition(env, env.wholesaler, order.id, { action: 'accept' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 4500));
    expect((await call(env, env.wholesaler, 'GET', `/orders/${order.id}`)).body.status).toBe('accepted');
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 10, reserved: 2 });
    await transition(env, env.wholesaler, order.id, { action: 'fulfil', lines: labelsFor(order) });
    await call(env, env.compliance, 'POST', `/orders/${order.id}/compliance-override`, { reason: 'test' });
    await transition(env, env.retailer, order.id, { action: 'deliver' });
    const result = await env.client.workflow.getHandle(orderWorkflowId(order.id)).result();
    expect(result.status).toBe('completed');
    expect(result.timeline.at(-1)).toMatchObject({ from: 'delivered', to: 'completed', actor: { role: 'system' } });
  });

  it('a workflow start that fails leaves no order behind and answers 503', async () => {
    // Same database, but Temporal unreachable.
    const deps = createDeps({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    const api = await startApi(deps);
    try {
      const auth = await adminHeaders(deps);
      const before = await models(deps.sequelize).Order.count({ where: { retailer_id: env.world.retailer.id } });
      const r = await request(api.url, 'POST', '/orders', {
        retailer_id: env.world.retailer.id,
        wholesaler_id: env.world.wholesaler.id,
        ship_from_location_id: env.world.warehouse.id,
        ship_to_location_id: env.world.store.id,
        items: [{ variant_id: env.world.variant.id, quantity: 1 }],
      }, { ...auth, 'Idempotency-Key': 'start-fails-once-1' });
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(await models(deps.sequelize).Order.count({ where: { retailer_id: env.world.retailer.id } })).toBe(before);
      // The failed answer was not stored: the same key works once Temporal is back.
      const retry = await request(env.api.url, 'POST', '/orders', {
        retailer_id: env.world.retailer.id,
        wholesaler_id: env.world.wholesaler.id,
        ship_from_location_id: env.world.warehouse.id,
        ship_to_location_id: env.world.store.id,
        items: [{ variant_id: env.world.variant.id, quantity: 1 }],
      }, { ...env.admin, 'Idempotency-Key': 'start-fails-once-1' });
      expect(retry.status).toBe(201);
    } finally {
      await api.close();
      await closeDeps(deps);
    }
  });
});
