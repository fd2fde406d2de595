import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, FAST, freshStock, labelsFor, ordersEnv, placeOrder, stockOf, streamEventsFor, transition, waitFor, type OrdersEnv } from './helpers.js';
import { orderWorkflowId } from '../../../contracts/ids.js';
import { spawnWorkerProcess } from '../../support/workerProcess.js';

/**
 * A real worker process that the test can SIGKILL, as a crash would. One process (node with tsx's
 * loader): through the tsx CLI, SIGKILL reached only tsx's wrapper, and the worker itself went on
 * polling, unkilled, long after the test.
 */
const spawnWorker = () => spawnWorkerProcess({ ...FAST, WORKER_QUEUES: 'orders,notifications' });

const STEPS = ['accept', 'fulfil', 'ship', 'deliver', 'complete'] as const;
const AFTER: Record<(typeof STEPS)[number], string> = { accept: 'accepted', fulfil: 'fulfilled', ship: 'shipped', deliver: 'delivered', complete: 'completed' };
const ORDER_OF = ['submitted', 'accepted', 'fulfilled', 'shipped', 'delivered', 'completed'];

describe('durability: the worker dies mid-way', () => {
  let env: OrdersEnv;
  const procs: ChildProcess[] = [];
  beforeAll(async () => {
    env = await ordersEnv({ queues: false });
  });
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    await env?.close();
  });

  it('20 orders all finish after a SIGKILL and a fresh worker, with no double reservation and no duplicate event', async () => {
    const first = await spawnWorker();
    procs.push(first);

    const stock = await freshStock(env, 1000);
    const orders: Array<{ id: string; items: Array<{ id: string }> }> = [];
    for (let i = 0; i < 20; i++) orders.push(await placeOrder(env, [{ variant_id: stock.variantId, quantity: 2 }]));

    /** Drives one order to completed; a step that fails while no worker runs is retried after re-reading the order. */
    async function drive(order: { id: string; items: Array<{ id: string }> }) {
      for (const step of STEPS) {
        for (;;) {
          const now = (await call(env, env.admin, 'GET', `/orders/${order.id}`)).body.status as string;
          if (ORDER_OF.indexOf(now) >= ORDER_OF.indexOf(AFTER[step])) break;
          const r =
            step === 'ship'
              ? await call(env, env.compliance, 'POST', `/orders/${order.id}/compliance-override`, { reason: 'durability test' })
              : await transition(env, step === 'accept' || step === 'fulfil' ? env.wholesaler : env.retailer, order.id, { action: step, ...(step === 'fulfil' ? { lines: labelsFor(order) } : {}) });
          if (r.status === 200) break;
          if (r.status !== 503 && r.status !== 409) throw new Error(`${step} → ${r.status} ${JSON.stringify(r.body)}`);
          await new Promise((res) => setTimeout(res, 300));
        }
      }
    }
    const driving = Promise.all(orders.map((o) => drive(o)));

    // Kill the worker once roughly a third of the 100 transitions are written.
    await waitFor('progress before the crash', async () => {
      const [rows] = await env.deps.sequelize.query(`SELECT COUNT(*) AS n FROM order_events WHERE type = 'status_changed' AND seq > 0 AND order_id IN (?)`, { replacements: [orders.map((o) => o.id)] });
      return Number((rows as Array<{ n: number }>)[0]!.n) >= 30;
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const [mid] = await env.deps.sequelize.query(`SELECT COUNT(*) AS n FROM order_events WHERE type = 'status_changed' AND seq > 0 AND order_id IN (?)`, { replacements: [orders.map((o) => o.id)] });
    expect(Number((mid as Array<{ n: number }>)[0]!.n)).toBeLessThan(100);

    const second = await spawnWorker();
    procs.push(second);
    await driving;

    for (const o of orders) {
      const result = await env.client.workflow.getHandle(orderWorkflowId(o.id)).result();
      expect(result.status).toBe('completed');
    }
    // Every unit reserved exactly once and shipped exactly once.
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 1000 - 40, reserved: 0 });
    const [holds] = await env.deps.sequelize.query(`SELECT state, COUNT(*) AS n, SUM(quantity) AS q FROM stock_reservations WHERE inventory_id = ? GROUP BY state`, { replacements: [stock.inventoryId] });
    expect(holds).toEqual([{ state: 'shipped', n: 20, q: '40' }]);
    // One timeline row and one stream entry per transition, per order (seq 0, the order's
    // creation, is written by the API with the order, not by a transition).
    const [events] = await env.deps.sequelize.query(
      `SELECT order_id, COUNT(*) AS n, COUNT(DISTINCT to_status) AS d FROM order_events WHERE type = 'status_changed' AND seq > 0 AND order_id IN (?) GROUP BY order_id`,
      { replacements: [orders.map((o) => o.id)] },
    );
    expect(events).toHaveLength(20);
    for (const e of events as Array<{ n: number; d: number }>) expect([e.n, e.d]).toEqual([5, 5]);
    for (const o of orders) {
      const stream = (await streamEventsFor(env, o.id)).filter((e) => e.type === 'order.status_changed').map((e) => e.status);
      expect(stream).toEqual(['accepted', 'fulfilled', 'shipped', 'delivered', 'completed']);
    }
  });
});
