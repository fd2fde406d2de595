import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATION, recordHistories } from '../../support/recordHistories.js';
import { call, freshStock, labelsFor, ordersEnv, placeOrder, transition, type OrdersEnv } from './helpers.js';
import { orderWorkflowId } from '../../../contracts/ids.js';

/**
 * Produces the determinism guard's input: histories of finished orders, one per way an order can
 * end. `RECORD_HISTORIES=1 npx vitest run --project integration test/integration/orders/histories.test.ts`
 * writes test/replay/histories/orderLifecycle-<GENERATION>-*.json (commit them); test/unit/orders/replay.test.ts replays them.
 */
describe('recorded order histories', () => {
  let env: OrdersEnv;
  beforeAll(async () => {
    env = await ordersEnv({ env: { ORDER_ACCEPT_DEADLINE: '3s', ORDER_REMINDER_BEFORE: '1s' } });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('runs each ending and captures its history', async () => {
    const stock = await freshStock(env, 10);
    const line = [{ variant_id: stock.variantId, quantity: 2 }];
    const scenarios: Record<string, string> = {};

    const completed = await placeOrder(env, line);
    await transition(env, env.wholesaler, completed.id, { action: 'accept' });
    await transition(env, env.wholesaler, completed.id, { action: 'fulfil', lines: labelsFor(completed) });
    await call(env, env.compliance, 'POST', `/orders/${completed.id}/compliance-override`, { reason: 'recorded history' });
    await transition(env, env.retailer, completed.id, { action: 'deliver' });
    await transition(env, env.retailer, completed.id, { action: 'complete' });
    scenarios['completed-with-override'] = completed.id;

    const cancelled = await placeOrder(env, line);
    await transition(env, env.wholesaler, cancelled.id, { action: 'accept' });
    await transition(env, env.wholesaler, cancelled.id, { action: 'fulfil', lines: labelsFor(cancelled) });
    await transition(env, env.retailer, cancelled.id, { action: 'cancel', reason: 'recorded history' });
    scenarios['cancelled-after-fulfil'] = cancelled.id;

    const rejected = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 50 }]);
    expect((await transition(env, env.wholesaler, rejected.id, { action: 'accept' })).status).toBe(409);
    await transition(env, env.wholesaler, rejected.id, { action: 'reject', reason: 'not enough stock' });
    scenarios['rejected-after-short-accept'] = rejected.id;

    const expired = await placeOrder(env, line);
    scenarios['expired-with-reminders'] = expired.id;

    const histories = [];
    for (const [name, id] of Object.entries(scenarios)) {
      const handle = env.client.workflow.getHandle(orderWorkflowId(id));
      const result = await handle.result();
      expect(result.status).toBe(name.split('-')[0]);
      histories.push({ name, workflowId: handle.workflowId, history: await handle.fetchHistory() });
    }
    await recordHistories(env.deps.config, histories.map((h) => ({ file: `orderLifecycle-${GENERATION}-${h.name}`, workflowId: h.workflowId })));
    expect(histories).toHaveLength(4);
  });
});
