/**
 * Bad input and bounces (issue 16): an invalid address is refused at input naming the field; a
 * provider's permanent refusal (an SMTP 550 bounce, a Twilio 400) is not retried and its message is
 * on the dead letter. Real API, workers, Temporal, the mail catcher and the Twilio sandbox.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { notificationWorkflowId, type NotificationChannel, type NotificationEvent } from '../../../domain/notifications/events.js';
import { startMailCatcher, type MailCatcher } from '../../../sandboxes/mail/catcher.js';
import { startSmsSandbox, type SmsSandbox } from '../../../sandboxes/sms/server.js';
import { temporalSettings } from '../../../temporal.config.js';
import type { NotificationDeliveryInput } from '../../../workflows/notificationDelivery.js';
import { createTestSession, createTestUser } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { call, ordersEnv, waitFor, type OrdersEnv } from '../orders/helpers.js';
import { ownQueues } from '../../support/harness.js';

let catcher: MailCatcher;
let sandbox: SmsSandbox;
let env: OrdersEnv;

beforeAll(async () => {
  catcher = await startMailCatcher();
  sandbox = await startSmsSandbox();
  env = await ordersEnv({
    env: { ...ownQueues(), SMTP_HOST: '127.0.0.1', SMTP_PORT: String(catcher.smtpPort), TWILIO_BASE_URL: sandbox.url, SMS_SETTLE_WINDOW: '200ms', SMTP_SEND_TIMEOUT: '2s' },
  });
}, 120_000);

afterAll(async () => {
  await env?.close();
  await sandbox?.close();
  await catcher?.stop();
});

const event = (): NotificationEvent => ({ type: 'metrc.parked', key: `test:${randomUUID()}`, facts: { license: `CO-${randomUUID().slice(0, 6)}`, error: 'key refused' } });

async function deliver(e: NotificationEvent, recipientUserId: string, channel: NotificationChannel) {
  const settings = temporalSettings(env.deps.config);
  const input: NotificationDeliveryInput = { event: e, recipientUserId, channel, retry: settings.defaultActivityRetry, sendTimeoutMs: 2000 };
  return env.client.workflow.start('notificationDelivery', {
    workflowId: notificationWorkflowId(e.key, channel, recipientUserId),
    taskQueue: settings.taskQueues.notifications,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  });
}

async function openLetter(workflowId: string) {
  return waitFor('the dead letter', async () => {
    const [rows] = await env.deps.sequelize.query("SELECT error FROM dead_letters WHERE workflow_id = ? AND status = 'open'", { replacements: [workflowId] });
    const r = (rows as Array<{ error: unknown }>)[0];
    return r && ((typeof r.error === 'string' ? JSON.parse(r.error) : r.error) as { type: string; message: string });
  }, 60_000);
}

const attempts = async (eventKey: string) =>
  ((await env.deps.sequelize.query('SELECT attempts FROM notification_deliveries WHERE event_key = ?', { replacements: [eventKey] }))[0] as Array<{ attempts: number }>)[0]?.attempts;

describe('bad input and bounces', () => {
  it('an invited address or an SMS number that is not one is 422 naming the field', async () => {
    for (const email of ['not-an-address', 'a@', '@b.example', 'two@@b.example', 'sp ace@b.example']) {
      const invite = await call(env, env.admin, 'POST', '/users', { email, name: 'X', role: 'compliance' });
      expect(invite.status, email).toBe(422);
      expect(invite.body.error).toMatchObject({ code: 'UNPROCESSABLE_ENTITY', message: 'email is not an email address', details: { field: 'email' } });
    }
    // An owner inviting into their own entity meets the same check; other schema faults stay 400.
    const owner = await createTestUser(env.deps, { role: 'owner', entityId: env.world.retailer.id });
    const ownerH = { authorization: `Bearer ${await createTestSession(env.deps, owner.id)}` };
    expect((await call(env, ownerH, 'POST', '/users', { email: 'nope', name: 'X', role: 'member' })).status).toBe(422);
    expect((await call(env, env.admin, 'POST', '/users', { email: 42, name: 'X', role: 'compliance' })).status).toBe(400);
    const ok = await call(env, env.admin, 'POST', '/users', { email: `Mixed.${randomUUID().slice(0, 6)}@Example.COM`, name: 'X', role: 'compliance' });
    expect(ok.status).toBe(201);
    const u = await createTestUser(env.deps, { role: 'compliance' });
    const me = { authorization: `Bearer ${await createTestSession(env.deps, u.id)}` };
    const put = await request(env.api.url, 'PUT', '/auth/me/notification-preferences', { channels: {}, quiet_hours: null, digest: 'immediate', phone: '+1 (303) 555-0100' }, me);
    expect(put.status).toBe(422);
    expect(put.body.error.details.field).toBe('phone');
  });

  it('an SMTP 550 bounce is final after one attempt, with the server’s answer on the dead letter', async () => {
    const u = await createTestUser(env.deps, { role: 'compliance' });
    const e = event();
    catcher.refuse(1, 550);
    const handle = await deliver(e, u.id, 'email');
    const letter = await openLetter(handle.workflowId);
    expect(letter.type).toBe('SmtpRejected');
    expect(letter.message).toMatch(/550/);
    expect(letter.message).toContain('Service not available');
    expect(await attempts(e.key)).toBe(1);
  }, 60_000);

  it('a Twilio 400 (a number it will not text) is final after one attempt, with Twilio’s message on the dead letter', async () => {
    const u = await createTestUser(env.deps, { role: 'compliance' });
    // A number stored before numbers were checked at input: Twilio refuses it.
    await env.deps.sequelize.query('INSERT INTO notification_contacts (user_id, phone) VALUES (?, ?)', { replacements: [u.id, '+1'] });
    const e = event();
    const handle = await deliver(e, u.id, 'sms');
    const letter = await openLetter(handle.workflowId);
    expect(letter.type).toBe('SmsRejected');
    expect(letter.message).toContain("The 'To' number +1 is not a valid phone number.");
    expect(await attempts(e.key)).toBe(1);
    expect(sandbox.messages.filter((m) => m.to === '+1')).toHaveLength(0);
  }, 60_000);
});
