import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createOrderActivities, EVENTS_STREAM, type OrderEventInput } from '../../../activities/orders.js';
import { versionChannel } from '../../../platform/cacheVersions.js';
import { startOrderEventsRelay } from '../../../worker/orderEventsRelay.js';
import type { OrderStatus } from '../../../domain/orders/status.js';
import { freshStock, ordersEnv, placeOrder, stockOf, type OrdersEnv } from './helpers.js';

/**
 * recordOrderEvent, the order's read-model writer, on both of its paths: one round trip when the
 * workflow passes what it knows of the order, a transaction that reads the row otherwise (both
 * through the one writer, db/tx.ts; 'transaction' names the second). A retried
 * attempt must write nothing twice (the workflow retries it until it lands).
 */
describe('order read model (recordOrderEvent)', () => {
  let env: OrdersEnv;
  beforeAll(async () => {
    env = await ordersEnv({ queues: false }); // no worker: only this test writes these orders' rows
  });
  afterAll(async () => {
    await env?.close();
  });

  const counts = async (orderId: string) => {
    const q = async (sql: string) => {
      const [rows] = await env.deps.sequelize.query(sql, { replacements: [orderId] });
      return rows as Array<Record<string, unknown>>;
    };
    const [order] = await q('SELECT status, version FROM orders WHERE id = ?');
    // What the steps wrote: the creation row (seq 0) is the API's, written with the order, like
    // the order.created audit row left out below.
    const events = await q('SELECT seq, to_status, published_at FROM order_events WHERE order_id = ? AND seq > 0 ORDER BY seq');
    const audits = await q("SELECT action, request_id FROM audit_log WHERE target_id = ? AND action <> 'order.created'");
    return { order, events, audits };
  };

  for (const path of ['one round trip', 'transaction'] as const) {
    it(`${path}: writes the step once, audits it once, however often it is retried`, async () => {
      const stock = await freshStock(env, 5);
      const placed = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }]);
      const activities = createOrderActivities({ sequelize: env.deps.sequelize, redis: env.deps.redis, writer: env.deps.writer });
      const input: OrderEventInput = {
        orderId: placed.id,
        seq: 1,
        type: 'status_changed',
        from: 'submitted',
        to: 'rejected',
        reason: 'out of season',
        actor: { kind: 'user', id: 'u-1', role: 'member', label: 'Wholesaler clerk' },
        at: '2026-11-25T03:00:00.123Z',
        origin: { requestId: `req-${path.replace(/ /g, '-')}` },
        ...(path === 'one round trip' ? { order: { number: placed.order_number, retailerId: placed.retailer_id, wholesalerId: placed.wholesaler_id, status: 'rejected' as const } } : {}),
      };
      expect(await activities.recordOrderEvent(input)).toEqual({ recorded: true, published: true });
      expect(await activities.recordOrderEvent(input)).toEqual({ recorded: false, published: true });
      const c = await counts(placed.id);
      expect(c.order).toMatchObject({ status: 'rejected', version: 2 });
      expect(c.events).toHaveLength(1);
      expect(c.events[0]).toMatchObject({ seq: 1, to_status: 'rejected' });
      expect(c.events[0]!.published_at).not.toBeNull();
      expect(c.audits).toEqual([{ action: 'order.rejected', request_id: input.origin!.requestId }]);
      const [[occurred]] = (await env.deps.sequelize.query('SELECT occurred_at FROM order_events WHERE order_id = ? AND seq > 0', { replacements: [placed.id] })) as unknown as [[{ occurred_at: Date }]];
      expect(occurred.occurred_at.toISOString()).toBe(input.at);
    });
  }

  for (const path of ['one round trip', 'transaction'] as const) {
    it(`${path}: a fulfilment writes each line's label with the step, and refuses labels that do not fit the lines`, async () => {
      const stock = await freshStock(env, 5);
      const placed = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }]);
      const itemId = placed.items[0].id as string;
      const activities = createOrderActivities({ sequelize: env.deps.sequelize, redis: env.deps.redis, writer: env.deps.writer });
      const input = (labels: Array<{ item_id: string; metrc_package_label: string }>): OrderEventInput => ({
        orderId: placed.id,
        seq: 1,
        type: 'status_changed',
        from: 'accepted',
        to: 'fulfilled',
        actor: { kind: 'user', id: 'u-1', role: 'member' },
        at: '2026-11-25T03:00:00.000Z',
        labels,
        ...(path === 'one round trip' ? { order: { number: placed.order_number, retailerId: placed.retailer_id, wholesalerId: placed.wholesaler_id, status: 'fulfilled' as const } } : {}),
      });
      const label = '1A4FF0100000022000000123';
      const wrong = await activities.recordOrderEvent(input([{ item_id: '00000000-0000-4000-8000-000000000001', metrc_package_label: label }])).catch((e: unknown) => e);
      expect(wrong).toMatchObject({ type: 'ValidationError', nonRetryable: true });
      expect((await counts(placed.id)).events).toHaveLength(0);

      expect(await activities.recordOrderEvent(input([{ item_id: itemId, metrc_package_label: label }]))).toMatchObject({ recorded: true });
      expect(await activities.recordOrderEvent(input([{ item_id: itemId, metrc_package_label: label }]))).toMatchObject({ recorded: false });
      const c = await counts(placed.id);
      expect(c.order).toMatchObject({ status: 'fulfilled', version: 2 });
      expect(c.events).toHaveLength(1);
      expect(c.audits.map((a) => a.action)).toEqual(['order.fulfilled']);
      const [lines] = await env.deps.sequelize.query('SELECT metrc_package_label FROM order_items WHERE order_id = ?', { replacements: [placed.id] });
      expect(lines).toEqual([{ metrc_package_label: label }]);
    });
  }

  it('a stock change commits with its step: short stock writes nothing, a retry writes nothing twice, shipping moves the units out', async () => {
    const stock = await freshStock(env, 5);
    const activities = createOrderActivities({ sequelize: env.deps.sequelize, redis: env.deps.redis, writer: env.deps.writer });
    const step = (placed: Record<string, string>, seq: number, from: OrderStatus, to: OrderStatus, change: 'reserve' | 'ship'): OrderEventInput => ({
      orderId: placed.id!,
      seq,
      type: 'status_changed',
      from,
      to,
      actor: { kind: 'user', id: 'u-1', role: 'member' },
      at: '2026-11-25T03:00:00.000Z',
      stock: change,
      order: { number: placed.order_number!, retailerId: placed.retailer_id!, wholesalerId: placed.wholesaler_id!, status: to },
    });

    const tooBig = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 6 }]);
    const short = await activities.recordOrderEvent(step(tooBig, 1, 'submitted', 'accepted', 'reserve')).catch((e: unknown) => e);
    expect(short).toMatchObject({ type: 'InsufficientStock', nonRetryable: true });
    expect(await counts(tooBig.id)).toMatchObject({ order: { status: 'submitted', version: 1 }, events: [], audits: [] });
    // Placing it wrote the timeline's first row with the order (issue 14.10).
    const [created] = await env.deps.sequelize.query('SELECT seq, from_status, to_status, published_at FROM order_events WHERE order_id = ?', { replacements: [tooBig.id] });
    expect(created).toMatchObject([{ seq: 0, from_status: null, to_status: 'submitted' }]);
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 5, reserved: 0 });

    const placed = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 2 }]);
    expect(await activities.recordOrderEvent(step(placed, 1, 'submitted', 'accepted', 'reserve'))).toMatchObject({ recorded: true });
    expect(await activities.recordOrderEvent(step(placed, 1, 'submitted', 'accepted', 'reserve'))).toMatchObject({ recorded: false });
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 5, reserved: 2 });
    expect(await counts(placed.id)).toMatchObject({ order: { status: 'accepted', version: 2 }, audits: [{ action: 'order.accepted' }] });

    expect(await activities.recordOrderEvent(step(placed, 2, 'fulfilled', 'shipped', 'ship'))).toMatchObject({ recorded: true });
    expect(await activities.recordOrderEvent(step(placed, 2, 'fulfilled', 'shipped', 'ship'))).toMatchObject({ recorded: false });
    expect(await stockOf(env, stock.inventoryId)).toEqual({ onHand: 3, reserved: 0 });
    const c = await counts(placed.id);
    expect(c.order).toMatchObject({ status: 'shipped', version: 3 });
    expect(c.events.map((e) => e.to_status)).toEqual(['accepted', 'shipped']);
  });

  it('a stream that cannot be reached leaves the event unpublished; a retry publishes it once and says so', async () => {
    const stock = await freshStock(env, 5);
    const placed = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }]);
    // Nothing listens on port 1: every Redis command fails at once.
    const deadRedis = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    deadRedis.on('error', () => undefined);
    const input: OrderEventInput = {
      orderId: placed.id,
      seq: 1,
      type: 'status_changed',
      from: 'submitted',
      to: 'rejected',
      actor: { kind: 'user', id: 'u-1', role: 'member' },
      at: '2026-11-25T03:00:00.000Z',
      order: { number: placed.order_number, retailerId: placed.retailer_id, wholesalerId: placed.wholesaler_id, status: 'rejected' },
    };
    const version = Number(await env.deps.redis.get('trellis:ver:orders'));
    try {
      const broken = createOrderActivities({ sequelize: env.deps.sequelize, redis: deadRedis, writer: env.deps.writer });
      expect(await broken.recordOrderEvent(input)).toEqual({ recorded: true, published: false });
    } finally {
      deadRedis.disconnect();
    }
    let c = await counts(placed.id);
    expect(c.order).toMatchObject({ status: 'rejected' });
    expect(c.events).toMatchObject([{ seq: 1, published_at: null }]);

    const working = createOrderActivities({ sequelize: env.deps.sequelize, redis: env.deps.redis, writer: env.deps.writer });
    expect(await working.recordOrderEvent(input)).toEqual({ recorded: false, published: true });
    expect(await working.recordOrderEvent(input)).toEqual({ recorded: false, published: true });
    c = await counts(placed.id);
    expect(c.events).toHaveLength(1);
    expect(c.events[0]!.published_at).not.toBeNull();
    expect(Number(await env.deps.redis.get('trellis:ver:orders'))).toBeGreaterThan(version);
    const entries = (await env.deps.redis.xrevrange(EVENTS_STREAM, '+', '-', 'COUNT', 500)).filter(([, f]) => f[f.indexOf('event_id') + 1] === `${placed.id}:1`);
    expect(entries).toHaveLength(1);
  });

  it('announces its orders bump, live and through the outbox relay (API processes hold versions in memory)', async () => {
    const heard: string[] = [];
    const sub = env.deps.redis.duplicate({ enableOfflineQueue: true });
    sub.on('message', (ch: string, resource: string) => {
      if (ch === versionChannel(env.deps.redis)) heard.push(resource);
    });
    await sub.subscribe(versionChannel(env.deps.redis));
    const orders = () => heard.filter((r) => r === 'orders').length;
    /** Whether an announcement of orders arrives after `since` of them were heard (placing an order through the API announces its own). */
    const announced = async (since: number) => {
      const end = Date.now() + 3000;
      while (orders() <= since && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      return orders() > since;
    };
    try {
      const stock = await freshStock(env, 5);
      const live = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }]);
      const activities = createOrderActivities({ sequelize: env.deps.sequelize, redis: env.deps.redis, writer: env.deps.writer });
      const step = (id: string): OrderEventInput => ({
        orderId: id,
        seq: 1,
        type: 'status_changed',
        from: 'submitted',
        to: 'rejected',
        actor: { kind: 'user', id: 'u-1', role: 'member' },
        at: '2026-11-25T03:00:00.000Z',
      });
      await new Promise((r) => setTimeout(r, 200)); // the order placement's own announcement has arrived
      let since = orders();
      expect(await activities.recordOrderEvent(step(live.id))).toEqual({ recorded: true, published: true });
      expect(await announced(since)).toBe(true);

      // Written while Redis was away: the relay's publish bumps and announces.
      const later = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }]);
      const deadRedis = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
      deadRedis.on('error', () => undefined);
      try {
        const broken = createOrderActivities({ sequelize: env.deps.sequelize, redis: deadRedis, writer: env.deps.writer });
        expect(await broken.recordOrderEvent(step(later.id))).toEqual({ recorded: true, published: false });
      } finally {
        deadRedis.disconnect();
      }
      await new Promise((r) => setTimeout(r, 200));
      since = orders();
      const relay = startOrderEventsRelay({ sequelize: env.deps.sequelize, redis: env.deps.redis }, { intervalMs: 60_000 });
      try {
        await relay.runOnce();
      } finally {
        await relay.stop();
      }
      expect(await announced(since)).toBe(true);
    } finally {
      sub.disconnect();
    }
  });

  it('a Redis user that may not PUBLISH still gets the step onto the stream (the announcement is best effort)', async () => {
    const user = `nopub-${Date.now()}`;
    await env.deps.redis.call('ACL', 'SETUSER', user, 'on', '>pw-nopub', '~*', '&*', '+@all', '-publish');
    const limited = env.deps.redis.duplicate({ username: user, password: 'pw-nopub', enableOfflineQueue: true });
    try {
      const stock = await freshStock(env, 5);
      const placed = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }]);
      const activities = createOrderActivities({ sequelize: env.deps.sequelize, redis: limited, writer: env.deps.writer });
      const input: OrderEventInput = {
        orderId: placed.id,
        seq: 1,
        type: 'status_changed',
        from: 'submitted',
        to: 'rejected',
        actor: { kind: 'user', id: 'u-1', role: 'member' },
        at: '2026-11-25T03:00:00.000Z',
      };
      expect(await activities.recordOrderEvent(input)).toEqual({ recorded: true, published: true });
      const entries = (await env.deps.redis.xrevrange(EVENTS_STREAM, '+', '-', 'COUNT', 500)).filter(([, f]) => f[f.indexOf('event_id') + 1] === `${placed.id}:1`);
      expect(entries).toHaveLength(1);
    } finally {
      limited.disconnect();
      await env.deps.redis.call('ACL', 'DELUSER', user);
    }
  });

  it('an order that does not exist is a non-retryable NotFound on either path', async () => {
    // Both paths go through the one writer now (db/tx.ts): with the order known, and read back.
    for (const known of [true, false]) {
      const activities = createOrderActivities({ sequelize: env.deps.sequelize, redis: env.deps.redis, writer: env.deps.writer });
      const err = await activities
        .recordOrderEvent({
          orderId: '00000000-0000-4000-8000-000000000000',
          seq: 1,
          type: 'metrc_status',
          actor: { kind: 'system', id: 'system', role: 'system' },
          at: '2026-11-25T03:00:00.000Z',
          metrc: { state: 'submitting' },
          ...(known ? { order: { number: 'X', retailerId: 'r', wholesalerId: 'w', status: 'fulfilled' as const } } : {}),
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'NotFound', nonRetryable: true });
    }
  });
});
