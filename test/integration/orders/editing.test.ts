/**
 * Issue 13.4 and 13.7 (orders): the buyer edits its own submitted order, the seller only accepts
 * or rejects it as written, and platform staff act for neither party (they may cancel, with the
 * stock released). Real HTTP, database, Temporal worker; the workflow's validator is asked
 * directly too, as a caller that bypasses the API would.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../domain/actor.js';
import { transitionUpdate } from '../../../contracts/order.js';
import { apiKeyHeaders, headersFor } from '../../support/auth.js';
import { call, freshStock, ordersEnv, placeOrder, stockOf, transition, type Headers, type OrdersEnv } from './helpers.js';
import { orderWorkflowId } from '../../../contracts/ids.js';

describe('who may change an order (issue 13.4) and staff on orders (issue 13.7)', () => {
  let env: OrdersEnv;
  let operator: Headers;
  let sellerKey: Headers;
  beforeAll(async () => {
    env = await ordersEnv();
    operator = await headersFor(env.deps, { role: 'operator' });
    sellerKey = await apiKeyHeaders(env.deps, { entityId: env.world.wholesaler.id, scopes: ['orders:write'] });
  });
  afterAll(async () => {
    await env?.close();
  });

  const read = async (id: string) => (await call(env, env.retailer, 'GET', `/orders/${id}`)).body;

  it('the seller cannot rewrite a submitted order: quantities, lines and notes stay as the buyer wrote them', async () => {
    const a = await freshStock(env, 1000);
    const b = await freshStock(env, 1000);
    const order = await placeOrder(env, [{ variant_id: a.variantId, quantity: 1 }]);
    const before = await read(order.id);
    const item = order.items[0];

    for (const seller of [env.wholesaler, sellerKey]) {
      const qty = await call(env, seller, 'PATCH', `/orders/${order.id}/items/${item.id}`, { quantity: 500 });
      expect(qty.status, JSON.stringify(qty.body)).toBe(403);
      expect(qty.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('wholesaler accepts, rejects or cancels') });
      const added = await call(env, seller, 'POST', `/orders/${order.id}/items`, { variant_id: b.variantId, quantity: 50 });
      expect(added.status).toBe(403);
      const notes = await call(env, seller, 'PATCH', `/orders/${order.id}`, { notes: 'deliver 500' });
      expect(notes.status).toBe(403);
      const removed = await call(env, seller, 'DELETE', `/orders/${order.id}/items/${item.id}`);
      expect(removed.status).toBe(403);
    }
    // Nothing was written: same lines, totals, notes and version.
    expect(await read(order.id)).toEqual(before);
    const [audits] = await env.deps.sequelize.query(`SELECT COUNT(*) AS n FROM audit_log WHERE target_id = ? AND action <> 'order.created'`, { replacements: [order.id] });
    expect(Number((audits as Array<{ n: number }>)[0]!.n)).toBe(0);

    // The seller accepts what the buyer ordered: 1 unit held, not 500.
    expect((await transition(env, env.wholesaler, order.id, { action: 'accept' })).status).toBe(200);
    expect(await stockOf(env, a.inventoryId)).toEqual({ onHand: 1000, reserved: 1 });
  });

  it('the buyer edits its own submitted order; staff may correct it for the buyer; nobody edits once accepted', async () => {
    const a = await freshStock(env, 100);
    const b = await freshStock(env, 100);
    const order = await placeOrder(env, [{ variant_id: a.variantId, quantity: 2 }]);
    const item = order.items[0];
    expect((await call(env, env.retailer, 'PATCH', `/orders/${order.id}/items/${item.id}`, { quantity: 3 })).status).toBe(200);
    expect((await call(env, env.retailer, 'POST', `/orders/${order.id}/items`, { variant_id: b.variantId, quantity: 1 })).status).toBe(201);
    expect((await call(env, operator, 'PATCH', `/orders/${order.id}`, { notes: 'corrected by support for the retailer' })).status).toBe(200);
    const now = await read(order.id);
    expect(now).toMatchObject({ item_count: 2, notes: 'corrected by support for the retailer' });

    expect((await transition(env, env.wholesaler, order.id, { action: 'accept' })).status).toBe(200);
    const late = await call(env, env.retailer, 'PATCH', `/orders/${order.id}/items/${item.id}`, { quantity: 9 });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('CONFLICT');
    // The seller is told it may never edit, not that it is too late.
    expect((await call(env, env.wholesaler, 'PATCH', `/orders/${order.id}`, { notes: 'x' })).status).toBe(403);
  });

  it('operators and admins do not trade for either party: no accept, reject or fulfil; cancel releases what is held', async () => {
    const stock = await freshStock(env, 50);
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 4 }]);
    for (const staff of [operator, env.admin]) {
      const seen = await call(env, staff, 'GET', `/orders/${order.id}`);
      expect(seen.body.available_transitions).toEqual(['cancel']);
      for (const action of ['accept', 'reject']) {
        const r = await transition(env, staff, order.id, { action, reason: 'staff' });
        expect(r.status, JSON.stringify(r.body)).toBe(403);
        expect(r.body.error).toMatchObject({ code: 'FORBIDDEN', details: { available_transitions: ['cancel'] } });
      }
    }
    expect((await transition(env, env.wholesaler, order.id, { action: 'accept' })).status).toBe(200);
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 50, reserved: 4 });
    const fulfil = await transition(env, operator, order.id, { action: 'fulfil', lines: [{ item_id: order.items[0].id, metrc_package_label: '1A4FF0100000022000000999' }] });
    expect(fulfil.status).toBe(403);

    const cancelled = await transition(env, operator, order.id, { action: 'cancel', reason: 'retailer asked support to cancel' });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 50, reserved: 0 });
  });

  it("the workflow's own validator refuses staff acting as the seller (a caller that bypasses the API)", async () => {
    const stock = await freshStock(env, 10);
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }]);
    const handle = env.client.workflow.getHandle(orderWorkflowId(order.id));
    const op: Actor = { kind: 'user', id: 'op', role: 'operator', label: 'operator' };
    const err = await handle.executeUpdate(transitionUpdate, { args: [{ action: 'accept', actor: op }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'Forbidden' });
    expect((await read(order.id)).status).toBe('submitted');
    // A validator's refusal leaves no trace in the history (nothing to replay).
    const history = await handle.fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
  });
});
