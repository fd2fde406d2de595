/**
 * Issue 14.3: no orphaned order. Staff acting on an order's workflow from the workflows API go
 * through the order's rules (cancel = the order's cancel, with its stock released; terminate is
 * refused), and the reconciler cancels an open order whose workflow ended out of band (here:
 * terminated straight through Temporal), releasing its stock and saying why on the timeline.
 * Real HTTP, database, Temporal and worker.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconcileResult } from '../../../activities/orderReconciler.js';
import { temporalSettings } from '../../../temporal.config.js';
import { headersFor } from '../../support/auth.js';
import { call, freshStock, ordersEnv, placeOrder, stockOf, transition, type Headers, type OrdersEnv } from './helpers.js';
import { orderWorkflowId } from '../../../contracts/ids.js';
import { WORKFLOW_TYPES } from '../../../contracts/workflowTypes.js';

describe('no orphaned order (issue 14.3)', () => {
  let env: OrdersEnv;
  let operator: Headers;
  beforeAll(async () => {
    env = await ordersEnv();
    operator = await headersFor(env.deps, { role: 'operator' });
  });
  afterAll(async () => {
    await env?.close();
  });

  async function acceptedOrder(quantity: number) {
    const stock = await freshStock(env, 20);
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity }]);
    expect((await transition(env, env.wholesaler, order.id, { action: 'accept' })).status).toBe(200);
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 20, reserved: quantity });
    return { id: order.id as string, stock };
  }

  const statusOf = async (id: string) => (await call(env, env.admin, 'GET', `/orders/${id}`)).body;
  const lastEvent = async (id: string) => (await call(env, env.admin, 'GET', `/orders/${id}/timeline?limit=100`)).body.data.at(-1);

  it("terminating an order's workflow from the workflows API is refused; the order and its stock stay as they were", async () => {
    const { id, stock } = await acceptedOrder(4);
    const r = await call(env, operator, 'POST', `/workflows/order:${id}/terminate`, { reason: 'stuck?' });
    expect(r.status, JSON.stringify(r.body)).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'CONFLICT', details: { order_id: id } });
    expect((await env.client.workflow.getHandle(`order:${id}`).describe()).status.name).toBe('RUNNING');
    expect(await statusOf(id)).toMatchObject({ status: 'accepted', available_transitions: ['cancel'] });
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 20, reserved: 4 });
  });

  it("cancelling it from the workflows API is the order's cancel: status cancelled, stock released, reason on the timeline", async () => {
    const { id, stock } = await acceptedOrder(3);
    const r = await call(env, operator, 'POST', `/workflows/order:${id}/cancel`, { reason: 'retailer asked support' });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(await statusOf(id)).toMatchObject({ status: 'cancelled', available_transitions: [] });
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 20, reserved: 0 });
    expect(await lastEvent(id)).toMatchObject({ to_status: 'cancelled', reason: 'retailer asked support', actor: { role: 'operator' } });
    expect((await env.client.workflow.getHandle(`order:${id}`).result()).status).toBe('cancelled');

    // An order past cancelling is refused by the order's own rules, not ended behind its back.
    const late = await call(env, operator, 'POST', `/workflows/order:${id}/cancel`, {});
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('INVALID_TRANSITION');
  });

  it('the reconciler cancels an open order whose workflow was terminated out of band, releases its stock once, and leaves running ones alone', async () => {
    const orphan = await acceptedOrder(5);
    const alive = await acceptedOrder(2);
    // A demo order loaded straight into the database has no workflow until npm start adopts it.
    const unadopted = await acceptedOrder(1);
    await env.client.workflow.getHandle(orderWorkflowId(unadopted.id)).terminate('test: stands for a seeded order');
    await env.deps.sequelize.query('UPDATE orders SET workflow_id = NULL WHERE id = ?', { replacements: [unadopted.id] });
    await env.client.workflow.getHandle(orderWorkflowId(orphan.id)).terminate('terminated in the Temporal UI');
    // Until the reconciler runs the order looks open and holds its stock: the orphan of the issue.
    expect((await statusOf(orphan.id)).status).toBe('accepted');
    expect(await stockOf(env, orphan.stock.inventoryId)).toEqual({ onHand: 20, reserved: 5 });

    const reconcile = () =>
      env.client.workflow.execute(WORKFLOW_TYPES.ordersReconciler, {
        taskQueue: temporalSettings(env.deps.config).taskQueues.orders,
        workflowId: `test-orders-reconciler:${randomUUID()}`,
        args: [{ graceMs: 0 }],
      }) as Promise<ReconcileResult>;
    const first = await reconcile();
    expect(first.cancelled).toBeGreaterThanOrEqual(1);
    expect(await statusOf(orphan.id)).toMatchObject({ status: 'cancelled', available_transitions: [] });
    expect(await stockOf(env, orphan.stock.inventoryId)).toEqual({ onHand: 20, reserved: 0 });
    const event = await lastEvent(orphan.id);
    expect(event).toMatchObject({ from_status: 'accepted', to_status: 'cancelled', actor: { role: 'system' } });
    expect(event.reason).toContain('was terminated (terminated in the Temporal UI)');

    // The order with a running workflow is untouched, and so is one never handed to a workflow;
    // a second pass changes nothing.
    expect((await statusOf(alive.id)).status).toBe('accepted');
    expect((await statusOf(unadopted.id)).status).toBe('accepted');
    expect(await stockOf(env, alive.stock.inventoryId)).toEqual({ onHand: 20, reserved: 2 });
    await reconcile();
    const events = (await call(env, env.admin, 'GET', `/orders/${orphan.id}/timeline?limit=100`)).body.data.filter((e: { to_status?: string }) => e.to_status === 'cancelled');
    expect(events).toHaveLength(1);
    expect(await stockOf(env, orphan.stock.inventoryId)).toEqual({ onHand: 20, reserved: 0 });
  });
});
