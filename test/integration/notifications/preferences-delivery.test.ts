/**
 * Preferences honoured by delivery (issue 16), through real workers, Temporal, the mail catcher
 * and the Twilio sandbox: during quiet hours an urgent event reaches the user by email but not by
 * SMS; every email carries an unsubscribe link (body and List-Unsubscribe) and one click on it
 * stops that category's email while leaving the text alone.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotificationActivities } from '../../../activities/notifications.js';
import type { NotificationEvent } from '../../../domain/notifications/events.js';
import { startMailCatcher, type MailCatcher } from '../../../sandboxes/mail/catcher.js';
import { startSmsSandbox, type SmsSandbox } from '../../../sandboxes/sms/server.js';
import { createTestSession, createTestUser } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { ordersEnv, waitFor, type OrdersEnv } from '../orders/helpers.js';
import { ownQueues } from '../../support/harness.js';

let catcher: MailCatcher;
let sandbox: SmsSandbox;
let env: OrdersEnv;
let user: { id: string; email: string };
let me: Record<string, string>;
const phone = '+13035550177';

beforeAll(async () => {
  catcher = await startMailCatcher();
  sandbox = await startSmsSandbox();
  env = await ordersEnv({
    // A 1 s burst window: the two events below, seconds apart, are separate bursts (each texted and emailed on its own).
    env: { ...ownQueues(), SMTP_HOST: '127.0.0.1', SMTP_PORT: String(catcher.smtpPort), TWILIO_BASE_URL: sandbox.url, SMS_SETTLE_WINDOW: '200ms', SMTP_SEND_TIMEOUT: '2s', NOTIFY_DIGEST_WINDOW: '1s' },
  });
  user = await createTestUser(env.deps, { role: 'compliance' });
  me = { authorization: `Bearer ${await createTestSession(env.deps, user.id)}` };
}, 120_000);

afterAll(async () => {
  await env?.close();
  await sandbox?.close();
  await catcher?.stop();
});

const event = (): NotificationEvent => ({ type: 'metrc.parked', key: `test:${randomUUID()}`, facts: { license: `CO-${randomUUID().slice(0, 6)}`, error: 'key refused' } });
const mailsTo = (e: NotificationEvent) => catcher.messages().filter((m) => m.to.includes(user.email) && m.text?.includes(e.facts.license!));
const textsTo = (e: NotificationEvent) => sandbox.messages.filter((m) => m.to === phone && m.body.includes(e.facts.license!));
const hhmm = (d: Date) => d.toISOString().slice(11, 16);

async function notify(e: NotificationEvent) {
  const deps = { config: env.deps.config, sequelize: env.deps.sequelize, redis: env.deps.redis, writer: env.deps.writer, temporal: () => env.deps.temporal.get() };
  await createNotificationActivities(deps).startNotifications(e);
}

describe('preferences at delivery', () => {
  it('quiet hours hold back the SMS, not the email; the email carries a working unsubscribe link', async () => {
    const now = Date.now();
    const quiet = { start: hhmm(new Date(now - 3_600_000)), end: hhmm(new Date(now + 3_600_000)), timezone: 'UTC' };
    const put = await request(env.api.url, 'PUT', '/auth/me/notification-preferences', { channels: {}, quiet_hours: quiet, digest: 'immediate', phone }, me);
    expect(put.status).toBe(200);

    const e1 = event();
    await notify(e1);
    await waitFor('the email', async () => mailsTo(e1).length >= 1);
    await new Promise((r) => setTimeout(r, 2_000)); // time for an SMS that should not come
    expect(mailsTo(e1)).toHaveLength(1);
    expect(textsTo(e1)).toHaveLength(0);

    const mail = mailsTo(e1)[0]!;
    const link = /Stop these emails: (\S+)/.exec(mail.text!)?.[1];
    expect(link).toBeDefined();
    expect(mail.raw.replace(/\r?\n[ \t]+/g, ' ')).toMatch(/List-Unsubscribe: <http[^>]+\/api\/v1\/notifications\/unsubscribe\?token=/);
    expect(mail.html).toContain('Stop these emails');

    // Out of quiet hours: the text goes. Then one click on the link stops compliance email only.
    expect((await request(env.api.url, 'PUT', '/auth/me/notification-preferences', { channels: {}, quiet_hours: null, digest: 'immediate', phone }, me)).status).toBe(200);
    const path = new URL(link!).search;
    const click = await fetch(`${env.api.url}/api/v1/notifications/unsubscribe${path}`);
    expect(click.status).toBe(200);
    expect(await click.json()).toEqual({ category: 'compliance', email: false });

    const e2 = event();
    await notify(e2);
    await waitFor('the text', async () => textsTo(e2).length >= 1);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(textsTo(e2)).toHaveLength(1);
    expect(mailsTo(e2)).toHaveLength(0);
  }, 90_000);
});
