import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES } from '../../../domain/orders/index.js';
import type { OrderWorkflowState } from '../../../contracts/order.js';
import { call, freshStock, labelsFor, ordersEnv, placeOrder, stockOf, streamEventsFor, transition, waitFor, type OrdersEnv } from './helpers.js';
import { orderWorkflowId } from '../../../contracts/ids.js';
import { metrcStatusSignal } from '../../../contracts/order.js';

describe('order lifecycle through the API (real worker, Temporal and database)', () => {
  let env: OrdersEnv;
  beforeAll(async () => {
    env = await ordersEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('happy path: submit → accept → fulfil → ship (compliance override) → deliver → complete', async () => {
    const stock = await freshStock(env, 40);
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 7 }]);
    expect(order).toMatchObject({ status: 'submitted', available_transitions: ['cancel'], metrc: { state: 'none' } });
    expect(new Date(order.expires_at).getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
    const id = order.id as string;
    // The create answer is built without reading the row back: it must be exactly what GET says.
    const reread = await call(env, env.retailer, 'GET', `/orders/${id}`);
    expect(reread.body).toEqual(order);

    const seenByWholesaler = await call(env, env.wholesaler, 'GET', `/orders/${id}`);
    expect(seenByWholesaler.body.available_transitions).toEqual(['accept', 'reject']);

    // List totals are cached per orders version: one counted before the transition must not outlive it.
    const total = async (status: string) => (await call(env, env.wholesaler, 'GET', `/orders?status=${status}&limit=1`)).body.pagination.total as number;
    const [submittedBefore, acceptedBefore] = [await total('submitted'), await total('accepted')];
    expect(await total('submitted')).toBe(submittedBefore);
    const accepted = await transition(env, env.wholesaler, id, { action: 'accept' });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect([await total('submitted'), await total('accepted')]).toEqual([submittedBefore - 1, acceptedBefore + 1]);
    expect(accepted.body).toMatchObject({ status: 'accepted', available_transitions: ['fulfil'], version: 2 });
    // The transition's answer (order and lines read in one query) is what GET says.
    expect((await call(env, env.wholesaler, 'GET', `/orders/${id}`)).body).toEqual(accepted.body);
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 40, reserved: 7 });

    const lines = labelsFor(accepted.body);
    const fulfilled = await transition(env, env.wholesaler, id, { action: 'fulfil', lines });
    expect(fulfilled.status, JSON.stringify(fulfilled.body)).toBe(200);
    expect(fulfilled.body.status).toBe('fulfilled');
    expect(fulfilled.body.items[0].metrc_package_label).toBe(lines[0]!.metrc_package_label);
    // No manifest is matched (no compliance worker here): the wholesaler may not ship yet.
    expect(fulfilled.body.available_transitions).toEqual([]);
    const early = await transition(env, env.wholesaler, id, { action: 'ship' });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { status: 'fulfilled', action: 'ship', available_transitions: [] } });

    const handle = env.client.workflow.getHandle(orderWorkflowId(id));
    const state = await handle.query<OrderWorkflowState>('state');
    expect(state).toMatchObject({ status: 'fulfilled', orderNumber: order.order_number, pendingStep: expect.stringContaining('manifest') });
    expect(state.timeline.map((t) => t.to).filter(Boolean)).toEqual(['accepted', 'fulfilled']);

    const wholesalerOverride = await call(env, env.wholesaler, 'POST', `/orders/${id}/compliance-override`, { reason: 'paper manifest' });
    expect(wholesalerOverride.status).toBe(403);
    const shipped = await call(env, env.compliance, 'POST', `/orders/${id}/compliance-override`, { reason: 'METRC down; paper manifest 0042' });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(shipped.body).toMatchObject({ status: 'shipped', metrc: { compliance_override_reason: 'METRC down; paper manifest 0042' } });
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 33, reserved: 0 });

    expect((await transition(env, env.retailer, id, { action: 'deliver' })).body.status).toBe('delivered');
    const done = await transition(env, env.retailer, id, { action: 'complete' });
    expect(done.body).toMatchObject({ status: 'completed', available_transitions: [] });
    const result = await handle.result();
    expect(result.status).toBe('completed');

    const timeline = await call(env, env.retailer, 'GET', `/orders/${id}/timeline`);
    expect(timeline.status).toBe(200);
    const changes = timeline.body.data.filter((e: { type: string }) => e.type === 'status_changed');
    expect(changes.map((e: { from_status: string; to_status: string }) => `${e.from_status}>${e.to_status}`)).toEqual([
      'null>submitted',
      'submitted>accepted',
      'accepted>fulfilled',
      'fulfilled>shipped',
      'shipped>delivered',
      'delivered>completed',
    ]);
    // The timeline starts with the order being placed, by the retailer (issue 14.10).
    expect(changes[0]).toMatchObject({ seq: 0, actor: { role: 'owner' }, reason: null });
    expect(changes[1].actor.role).toBe('member');
    expect(changes[3]).toMatchObject({ actor: { role: 'compliance' }, reason: 'METRC down; paper manifest 0042', detail: { compliance_override: true } });

    // Every transition lands in the audit trail once, naming the person who asked for it.
    const audited = await call(env, env.admin, 'GET', `/audit-log?target_type=order&target_id=${id}&limit=50`);
    expect(audited.status).toBe(200);
    const trail = [...audited.body.data].reverse() as Array<{ action: string; actor_type: string; actor_id: string; entity_id: string; summary: Record<string, unknown> }>;
    expect(trail.map((a) => a.action)).toEqual(['order.created', 'order.accepted', 'order.fulfilled', 'order.shipped', 'order.compliance_override', 'order.delivered', 'order.completed']);
    const actorIds = changes.map((e: { actor: { id: string } }) => e.actor.id);
    // actorIds[0] placed the order (the timeline's creation row), like the order.created audit.
    expect(trail.map((a) => a.actor_id)).toEqual([actorIds[0], actorIds[1], actorIds[2], actorIds[3], actorIds[3], actorIds[4], actorIds[5]]);
    expect(trail.slice(1).every((a) => a.actor_type === 'user' && a.entity_id === env.world.retailer.id)).toBe(true);
    expect(trail[4]!.summary).toMatchObject({ from: 'fulfilled', to: 'shipped', reason: 'METRC down; paper manifest 0042' });
    expect(new Set(actorIds).size).toBe(3);

    const events = await streamEventsFor(env, id);
    expect(events.filter((e) => e.type === 'order.status_changed').map((e) => e.status)).toEqual(['accepted', 'fulfilled', 'shipped', 'delivered', 'completed']);

    const desc = await handle.describe();
    expect(await desc.staticSummary()).toBe(`Order ${order.order_number}`);
    expect(await desc.staticDetails()).toContain(env.world.retailer.name);
    const found = await waitFor('visibility to index OrderStatus', async () => {
      const ids: string[] = [];
      for await (const w of env.client.workflow.list({ query: `OrderStatus = 'completed' AND OrderId = '${id}'` })) ids.push(w.workflowId);
      return ids.length ? ids : undefined;
    });
    expect(found).toEqual([`order:${id}`]);
  });

  it('the create answer (built without a re-read) equals the stored order, lines, dates and ETag included', async () => {
    const a = await freshStock(env, 10);
    const b = await freshStock(env, 10);
    const c = await freshStock(env, 10);
    const created = await call(env, env.retailer, 'POST', '/orders', {
      retailer_id: env.world.retailer.id,
      wholesaler_id: env.world.wholesaler.id,
      ship_from_location_id: env.world.warehouse.id,
      ship_to_location_id: env.world.store.id,
      requested_delivery_date: '2031-04-30',
      notes: 'Back door, ask for Sam',
      items: [
        { variant_id: a.variantId, quantity: 2 },
        { variant_id: b.variantId, quantity: 1 },
        { variant_id: c.variantId, quantity: 5 },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ requested_delivery_date: '2031-04-30', notes: 'Back door, ask for Sam', item_count: 3, subtotal_minor: 8000, total_minor: 8000 });
    const got = await call(env, env.retailer, 'GET', `/orders/${created.body.id}`);
    expect(got.body).toEqual(created.body);
    expect(got.headers.get('etag')).toBe(created.headers.get('etag'));
    // Wrong parties are still refused with the field named, and nothing is written.
    const before = await env.deps.sequelize.query('SELECT COUNT(*) AS n FROM orders', { plain: true });
    const wrongSite = await call(env, env.retailer, 'POST', '/orders', {
      retailer_id: env.world.retailer.id,
      wholesaler_id: env.world.wholesaler.id,
      ship_from_location_id: env.world.store.id,
      ship_to_location_id: env.world.store.id,
      items: [{ variant_id: a.variantId, quantity: 1 }],
    });
    expect(wrongSite.status).toBe(422);
    expect(wrongSite.body.error.details.field).toBe('ship_from_location_id');
    const otherRetailer = await call(env, env.retailer, 'POST', '/orders', {
      retailer_id: env.world.wholesaler.id,
      wholesaler_id: env.world.wholesaler.id,
      ship_from_location_id: env.world.warehouse.id,
      ship_to_location_id: env.world.store.id,
      items: [{ variant_id: a.variantId, quantity: 1 }],
    });
    // Another tenant's retailer_id is a reference the caller may not use (4289a9a: 422 naming it).
    expect(otherRetailer.status).toBe(422);
    expect(otherRetailer.body.error.details.field).toBe('retailer_id');
    expect(await env.deps.sequelize.query('SELECT COUNT(*) AS n FROM orders', { plain: true })).toEqual(before);
  });

  it('refuses every transition the state machine does not allow, listing the allowed ones', async () => {
    const stock = await freshStock(env, 10);
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }]);
    const id = order.id as string;
    const ALL = ['accept', 'reject', 'fulfil', 'ship', 'deliver', 'complete', 'cancel'] as const;
    // Not allowed now: 409 when the status rules it out, 403 when it is the other party's (or
    // staff's, who act for neither side); either way the caller's own options are listed.
    const expectRefused = async (status: string, who: Record<string, string>, allowed: string[]) => {
      for (const action of ALL.filter((a) => !allowed.includes(a))) {
        const r = await transition(env, who, id, { action, reason: 'test', ...(action === 'fulfil' ? { lines: labelsFor(order) } : {}) });
        const invalid = !(RULES[action].from as readonly string[]).includes(status);
        expect(r.status, `${status}/${action}: ${JSON.stringify(r.body)}`).toBe(invalid ? 409 : 403);
        expect(r.body.error.code).toBe(invalid ? 'INVALID_TRANSITION' : 'FORBIDDEN');
        expect(r.body.error.details).toMatchObject({ status, action, available_transitions: allowed });
      }
    };
    await expectRefused('submitted', env.wholesaler, ['accept', 'reject']);
    await expectRefused('submitted', env.retailer, ['cancel']);
    await expectRefused('submitted', env.admin, ['cancel']);
    const noReason = await transition(env, env.wholesaler, id, { action: 'reject' });
    expect(noReason.status).toBe(422);

    expect((await transition(env, env.wholesaler, id, { action: 'accept' })).status).toBe(200);
    await expectRefused('accepted', env.wholesaler, ['fulfil']);
    await expectRefused('accepted', env.admin, ['cancel']);
    const missing = await transition(env, env.wholesaler, id, { action: 'fulfil', lines: [{ item_id: '00000000-0000-4000-8000-000000000000', metrc_package_label: '1A4FF0100000022000000123' }] });
    expect(missing.status).toBe(422);
    expect(missing.body.error.details.problems.length).toBeGreaterThan(0);

    expect((await transition(env, env.wholesaler, id, { action: 'fulfil', lines: labelsFor(order) })).status).toBe(200);
    // Admin sees `ship` (it may override) but does not ship for the wholesaler.
    await expectRefused('fulfilled', env.admin, ['ship', 'cancel']);
    const plainShip = await transition(env, env.wholesaler, id, { action: 'ship' });
    expect(plainShip.status).toBe(409);

    expect((await call(env, env.admin, 'POST', `/orders/${id}/compliance-override`, { reason: 'test override' })).status).toBe(200);
    await expectRefused('shipped', env.retailer, ['deliver']);
    await expectRefused('shipped', env.admin, []);
    expect((await transition(env, env.retailer, id, { action: 'deliver' })).status).toBe(200);
    await expectRefused('delivered', env.retailer, ['complete']);
    await expectRefused('delivered', env.admin, []);
    expect((await transition(env, env.retailer, id, { action: 'complete' })).status).toBe(200);
    await expectRefused('completed', env.admin, []);

    const rejected = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }]);
    expect((await transition(env, env.wholesaler, rejected.id, { action: 'reject', reason: 'out of stock soon' })).body.status).toBe('rejected');
    for (const action of ALL) expect((await transition(env, env.admin, rejected.id, { action, reason: 'x' })).body.error.code).toBe('INVALID_TRANSITION');
  });

  it('cancelling at each open state releases exactly what was held', async () => {
    const stock = await freshStock(env, 20);
    const base = await stockOf(env, stock.inventoryId);

    const atSubmitted = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 5 }]);
    const c1 = await call(env, env.retailer, 'POST', `/orders/${atSubmitted.id}/transitions`, { action: 'cancel', reason: 'changed my mind' }, { 'x-request-id': `cancel-${atSubmitted.id}` });
    expect(c1.body.status).toBe('cancelled');
    const cancelAudit = await call(env, env.admin, 'GET', `/audit-log?action=order.cancelled&target_id=${atSubmitted.id}`);
    expect(cancelAudit.body.pagination.total).toBe(1);
    expect(cancelAudit.body.data[0]).toMatchObject({ target_type: 'order', actor_type: 'user', request_id: `cancel-${atSubmitted.id}`, summary: { from: 'submitted', to: 'cancelled', reason: 'changed my mind' } });
    expect(cancelAudit.body.data[0].ip).toBeTruthy();
    expect(await stockOf(env, stock.inventoryId)).toEqual(base);

    const atAccepted = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 6 }]);
    await transition(env, env.wholesaler, atAccepted.id, { action: 'accept' });
    const other = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 3 }]);
    await transition(env, env.wholesaler, other.id, { action: 'accept' });
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 20, reserved: 9 });
    const c2 = await transition(env, env.retailer, atAccepted.id, { action: 'cancel' });
    expect(c2.body.status).toBe('cancelled');
    // Only this order's 6 come back; the other order's 3 stay held.
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 20, reserved: 3 });

    const atFulfilled = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 4 }]);
    await transition(env, env.wholesaler, atFulfilled.id, { action: 'accept' });
    await transition(env, env.wholesaler, atFulfilled.id, { action: 'fulfil', lines: labelsFor(atFulfilled) });
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 20, reserved: 7 });
    const c3 = await transition(env, env.retailer, atFulfilled.id, { action: 'cancel', reason: 'store closed' });
    expect(c3.body.status).toBe('cancelled');
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 20, reserved: 3 });

    // Cancelled orders hold nothing and never release twice.
    const [rows] = await env.deps.sequelize.query(`SELECT order_id, state, quantity FROM stock_reservations WHERE inventory_id = ? ORDER BY quantity`, { replacements: [stock.inventoryId] });
    expect(rows).toEqual([
      { order_id: other.id, state: 'held', quantity: 3 },
      { order_id: atFulfilled.id, state: 'released', quantity: 4 },
      { order_id: atAccepted.id, state: 'released', quantity: 6 },
    ]);
    for (const o of [atSubmitted, atAccepted, atFulfilled]) {
      expect((await env.client.workflow.getHandle(`order:${o.id}`).result()).status).toBe('cancelled');
    }
  });

  it('accepting reserves all lines or none, naming the short ones', async () => {
    const plenty = await freshStock(env, 50);
    const scarce = await freshStock(env, 2);
    const order = await placeOrder(env, [
      { variant_id: plenty.variantId, quantity: 10 },
      { variant_id: scarce.variantId, quantity: 3 },
    ]);
    const r = await transition(env, env.wholesaler, order.id, { action: 'accept' });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('INSUFFICIENT_STOCK');
    const scarceLine = order.items.find((i: { variant_id: string }) => i.variant_id === scarce.variantId);
    expect(r.body.error.details.short_lines).toEqual([{ item_id: scarceLine.id, variant_id: scarce.variantId, requested: 3, available: 2 }]);
    expect(await stockOf(env, plenty.inventoryId)).toEqual({ onHand: 50, reserved: 0 });
    expect(await stockOf(env, scarce.inventoryId)).toEqual({ onHand: 2, reserved: 0 });
    // Still submitted, and acceptable once the line is changed.
    const again = await call(env, env.retailer, 'GET', `/orders/${order.id}`);
    expect(again.body.status).toBe('submitted');
    expect((await call(env, env.retailer, 'PATCH', `/orders/${order.id}/items/${scarceLine.id}`, { quantity: 2 })).status).toBe(200);
    expect((await transition(env, env.wholesaler, order.id, { action: 'accept' })).status).toBe(200);
    expect(await stockOf(env, scarce.inventoryId)).toEqual({ onHand: 2, reserved: 2 });
    // Lines are frozen once accepted.
    expect((await call(env, env.retailer, 'PATCH', `/orders/${order.id}/items/${scarceLine.id}`, { quantity: 1 })).status).toBe(409);
  });

  it('50 concurrent accepts competing for the same stock never oversell', async () => {
    const stock = await freshStock(env, 100);
    const orders: Array<{ id: string }> = [];
    for (let i = 0; i < 50; i++) orders.push(await placeOrder(env, [{ variant_id: stock.variantId, quantity: 3 }]));
    const results = await Promise.all(orders.map((o) => transition(env, env.wholesaler, o.id, { action: 'accept' })));
    const ok = results.filter((r) => r.status === 200);
    const short = results.filter((r) => r.status === 409);
    expect(ok.length + short.length, JSON.stringify(results.filter((r) => r.status !== 200 && r.status !== 409).map((r) => r.body))).toBe(50);
    expect(ok).toHaveLength(33);
    for (const r of short) expect(r.body.error.code).toBe('INSUFFICIENT_STOCK');
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 100, reserved: 99 });
    const [rows] = await env.deps.sequelize.query(`SELECT COUNT(*) AS n, SUM(quantity) AS q FROM stock_reservations WHERE inventory_id = ? AND state = 'held'`, { replacements: [stock.inventoryId] });
    expect(rows).toEqual([{ n: 33, q: '99' }]);
  });

  it('a retried POST with the same Idempotency-Key creates one order and one workflow', async () => {
    const stock = await freshStock(env, 5);
    const key = `order-idem-${stock.variantId}`;
    const first = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }], env.retailer, { 'Idempotency-Key': key });
    const second = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }], env.retailer, { 'Idempotency-Key': key });
    expect(second.id).toBe(first.id);
    const [rows] = await env.deps.sequelize.query('SELECT COUNT(*) AS n FROM order_items WHERE variant_id = ?', { replacements: [stock.variantId] });
    expect(rows).toEqual([{ n: 1 }]);
    const desc = await env.client.workflow.getHandle(orderWorkflowId(first.id)).describe();
    expect(desc.status.name).toBe('RUNNING');
  });

  it('METRC reports that arrive out of order: a stale one (lower sequence number) changes nothing', async () => {
    const stock = await freshStock(env, 5);
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }]);
    const id = order.id as string;
    await transition(env, env.wholesaler, id, { action: 'accept' });
    const fulfilled = await transition(env, env.wholesaler, order.id, { action: 'fulfil', lines: labelsFor(order) });
    expect(fulfilled.body.status).toBe('fulfilled');
    // No compliance worker runs here, so these are the only reports the order gets.
    const handle = env.client.workflow.getHandle(orderWorkflowId(id));
    await handle.signal(metrcStatusSignal, { state: 'awaiting_manifest', templateId: 42, detail: 'template 42 created', seq: 2 });
    await handle.signal(metrcStatusSignal, { state: 'submitting', seq: 1 });
    // The read model is written after the workflow applied the report.
    const read = await waitFor('the newer report to reach the read model', async () => {
      const r = await call(env, env.wholesaler, 'GET', `/orders/${id}`);
      return r.body.metrc.state === 'awaiting_manifest' ? r.body : undefined;
    });
    expect(read.metrc).toMatchObject({ state: 'awaiting_manifest', template_id: 42 });
    // A query is answered after every signal delivered before it: the stale one was seen too.
    const after = await handle.query<OrderWorkflowState>('state');
    expect(after.metrc).toEqual({ state: 'awaiting_manifest', templateId: 42, detail: 'template 42 created' });
    // 'submitting' is the order's own entry as it started the child; the stale report added none.
    expect(after.timeline.filter((t) => t.type === 'metrc_status').map((t) => t.metrc?.state)).toEqual(['submitting', 'awaiting_manifest']);
  });
});
