/**
 * In-app notifications do not depend on email (issue 16): with no SMTP server configured (no
 * SMTP_HOST, as a deployment without mail), an order event still puts one in-app notification per
 * recipient in the console, listed by the API, and no email delivery is attempted or recorded.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNotifications } from '../../../activities/notifications.js';
import type { NotificationEvent } from '../../../domain/notifications/events.js';
import { createTestSession, createTestUser } from '../../support/auth.js';
import { ownQueues } from '../../support/harness.js';
import { call, ordersEnv, waitFor, type OrdersEnv } from '../orders/helpers.js';

let env: OrdersEnv;

beforeAll(async () => {
  env = await ordersEnv({ env: { ...ownQueues(), SMTP_HOST: '', TWILIO_BASE_URL: '' } });
}, 120_000);

afterAll(async () => {
  await env?.close();
});

describe('in-app notifications without a mail server', () => {
  it('reach each recipient in the console; no email is recorded', async () => {
    expect(env.deps.config.mail.host).toBeFalsy();
    const owner = await createTestUser(env.deps, { role: 'owner', entityId: env.world.retailer.id });
    const event: NotificationEvent = { type: 'order.shipped', key: `test:${randomUUID()}`, entityId: env.world.retailer.id, facts: { orderId: randomUUID(), orderNumber: 'TR-NOMAIL-1' } };
    const deps = { config: env.deps.config, sequelize: env.deps.sequelize, redis: env.deps.redis, temporal: () => env.deps.temporal.get() };
    const started = await startNotifications(deps, event);
    expect(started.started).toBeGreaterThan(0);

    const [users] = (await env.deps.sequelize.query('SELECT id FROM users WHERE entity_id = ? AND disabled_at IS NULL', { replacements: [env.world.retailer.id] })) as [Array<{ id: string }>, unknown];
    await waitFor('a published in-app row per retailer user', async () => {
      const [rows] = await env.deps.sequelize.query('SELECT user_id FROM in_app_notifications WHERE event_key = ? AND published_at IS NOT NULL', { replacements: [event.key] });
      return (rows as unknown[]).length === users.length;
    });
    const [deliveries] = await env.deps.sequelize.query('SELECT channel FROM notification_deliveries WHERE event_key = ?', { replacements: [event.key] });
    expect(deliveries).toEqual([]);

    const me = { authorization: `Bearer ${await createTestSession(env.deps, owner.id)}` };
    const list = await call(env, me, 'GET', '/notifications');
    expect(list.status).toBe(200);
    expect(list.body.data.find((n: { event_type: string; title: string }) => n.title.includes('TR-NOMAIL-1'))).toMatchObject({ event_type: 'order.shipped', read_at: null });
  }, 60_000);
});
