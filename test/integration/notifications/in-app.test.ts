/**
 * In-app notifications (issue 16): real API on port 0, workers, Temporal, database, Redis and a
 * real SMTP server (the catcher). An event's delivery workflows put one row per recipient in
 * in_app_notifications and one `notification.created` on the events stream, which only the
 * recipient's own sockets receive; the API lists and marks only the caller's own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startNotifications } from '../../../activities/notifications.js';
import { createInAppActivities } from '../../../activities/inAppNotifications.js';
import type { NotificationEvent } from '../../../domain/notifications/events.js';
import { startMailCatcher, type MailCatcher } from '../../../sandboxes/mail/catcher.js';
import { apiKeyHeaders, createTestSession, createTestUser } from '../../support/auth.js';
import { call, ordersEnv, waitFor, type OrdersEnv } from '../orders/helpers.js';
import { ownQueues } from '../../support/harness.js';

type Msg = { type: string; event?: { type?: string; user_id?: string; notification_id?: string; title?: string; link?: string } };

let catcher: MailCatcher;
let env: OrdersEnv;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  catcher = await startMailCatcher();
  env = await ordersEnv({ env: { ...ownQueues(), SMTP_HOST: '127.0.0.1', SMTP_PORT: String(catcher.smtpPort), SMTP_SEND_TIMEOUT: '1s', PUBLIC_URL: 'https://console.trellis.test' } });
}, 120_000);

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await env?.close();
  await catcher?.stop();
});

async function open(headers: Record<string, string>) {
  const ws = new WebSocket(`${env.api.url.replace('http', 'ws')}/api/v1/events`, { headers });
  sockets.push(ws);
  const messages: Msg[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d)) as Msg));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  await waitFor('hello', async () => messages.some((m) => m.type === 'hello'), 5000);
  return { notifications: () => messages.filter((m) => m.type === 'event' && m.event?.type === 'notification.created').map((m) => m.event!) };
}

const bearer = async (userId: string) => ({ authorization: `Bearer ${await createTestSession(env.deps, userId)}` });

describe('in-app notifications', () => {
  it('one per recipient however often started, pushed only to that user, listed and marked by that user only', async () => {
    const owner = await createTestUser(env.deps, { role: 'owner', entityId: env.world.retailer.id });
    const member = await createTestUser(env.deps, { role: 'member', entityId: env.world.retailer.id });
    const [ownerH, memberH] = [await bearer(owner.id), await bearer(member.id)];
    const key = await apiKeyHeaders(env.deps, { entityId: env.world.retailer.id, scopes: ['orders:read'] });
    const [ownerWs, memberWs, adminWs, keyWs] = [await open(ownerH), await open(memberH), await open(env.admin), await open(key)];

    const orderId = randomUUID();
    const event: NotificationEvent = { type: 'order.accepted', key: `test:${randomUUID()}`, entityId: env.world.retailer.id, facts: { orderId, orderNumber: 'TR-INAPP-1', wholesalerName: 'Acme <b>' } };
    const deps = { config: env.deps.config, sequelize: env.deps.sequelize, temporal: () => env.deps.temporal.get() };
    await startNotifications(deps, event);
    await startNotifications(deps, event); // a retried caller starts nothing twice

    const rowsOf = async () =>
      (await env.deps.sequelize.query('SELECT user_id, published_at FROM in_app_notifications WHERE event_key = ?', { replacements: [event.key] }))[0] as Array<{ user_id: string; published_at: Date | null }>;
    const [users] = (await env.deps.sequelize.query("SELECT id FROM users WHERE entity_id = ? AND disabled_at IS NULL", { replacements: [env.world.retailer.id] })) as [Array<{ id: string }>, unknown];
    await waitFor('a published row per retailer user', async () => {
      const rows = await rowsOf();
      return rows.length === users.length && rows.every((r) => r.published_at);
    });
    // The activity run again (a retry after its answer was lost) neither inserts nor publishes again.
    const again = await createInAppActivities(env.deps as never).deliverInApp({ event, recipientUserId: owner.id });
    expect(again.status).toBe('already_sent');
    await new Promise((r) => setTimeout(r, 1000)); // anything extra would arrive meanwhile
    expect((await rowsOf()).length).toBe(users.length);

    const mine = ownerWs.notifications();
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ user_id: owner.id, title: 'Order TR-INAPP-1 was accepted', link: `/orders/${orderId}` });
    expect(memberWs.notifications().map((e) => e.user_id)).toEqual([member.id]);
    expect(adminWs.notifications()).toEqual([]); // staff see every tenant's events, not people's notifications
    expect(keyWs.notifications()).toEqual([]);

    const list = await call(env, ownerH, 'GET', '/notifications');
    expect(list.status).toBe(200);
    expect(list.body.unread_count).toBe(1);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ id: mine[0]!.notification_id, event_type: 'order.accepted', read_at: null, link: `/orders/${orderId}` });
    expect(list.body.data[0].body).toContain('Acme <b> accepted your order TR-INAPP-1.');
    const memberList = await call(env, memberH, 'GET', '/notifications');
    const memberNote = memberList.body.data[0].id as string;

    // Another user's notification is not found: a colleague of the same tenant, and platform staff.
    expect((await call(env, ownerH, 'POST', `/notifications/${memberNote}/read`)).status).toBe(404);
    expect((await call(env, env.admin, 'POST', `/notifications/${memberNote}/read`)).status).toBe(404);
    expect((await call(env, env.admin, 'GET', '/notifications')).body.data.map((n: { id: string }) => n.id)).not.toContain(memberNote);
    expect((await call(env, ownerH, 'POST', `/notifications/${randomUUID()}/read`)).status).toBe(404);
    expect((await call(env, ownerH, 'POST', '/notifications/not-a-uuid/read')).status).toBe(400);
    expect((await call(env, key, 'GET', '/notifications')).status).toBe(403);

    const read = await call(env, ownerH, 'POST', `/notifications/${mine[0]!.notification_id}/read`);
    expect(read.status).toBe(200);
    expect(read.body.read_at).toEqual(expect.any(String));
    expect((await call(env, ownerH, 'GET', '/notifications/unread-count')).body).toEqual({ unread_count: 0 });
    expect((await call(env, ownerH, 'GET', '/notifications?unread=true')).body.data).toEqual([]);
    expect((await call(env, memberH, 'GET', '/notifications/unread-count')).body).toEqual({ unread_count: 1 });

    const all = await call(env, memberH, 'POST', '/notifications/read-all');
    expect(all.body).toEqual({ marked: 1, unread_count: 0 });
    expect((await call(env, memberH, 'GET', '/notifications?unread=true')).body).toMatchObject({ data: [], unread_count: 0 });
  }, 120_000);
});
