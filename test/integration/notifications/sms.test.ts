/**
 * SMS notifications through the Twilio sandbox (real HTTP in the Messages API wire format) under
 * its faults: a create whose answer is lost, a 500, a 429 with Retry-After — each ends with exactly
 * one message at the provider. Real workers, Temporal, database.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { createNotificationActivities } from '../../../activities/notifications.js';
import { notificationWorkflowId, type NotificationEvent } from '../../../domain/notifications/events.js';
import { startMailCatcher, type MailCatcher } from '../../../sandboxes/mail/catcher.js';
import { startSmsSandbox, type SmsSandbox } from '../../../sandboxes/sms/server.js';
import { temporalSettings } from '../../../temporal.config.js';
import type { NotificationDeliveryInput } from '../../../workflows/notificationDelivery.js';
import { createTestUser } from '../../support/auth.js';
import { ordersEnv, waitFor, type OrdersEnv } from '../orders/helpers.js';

let catcher: MailCatcher;
let sandbox: SmsSandbox;
let env: OrdersEnv;
let user: { id: string; email: string; phone: string };

beforeAll(async () => {
  catcher = await startMailCatcher();
  sandbox = await startSmsSandbox();
  env = await ordersEnv({
    env: {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(catcher.smtpPort),
      TWILIO_BASE_URL: sandbox.url,
      SMS_SETTLE_WINDOW: '200ms',
      SMTP_SEND_TIMEOUT: '2s',
      // Its own task queues: in a full run another file's worker (configured without this SMS
      // sandbox) could take the first delivery and leave it retrying past the test's timeout.
      TEMPORAL_TASK_QUEUE_PREFIX: `sms-${randomUUID().slice(0, 8)}-`,
    },
  });
  const u = await createTestUser(env.deps, { role: 'compliance' });
  user = { id: u.id, email: u.email, phone: '+13035550199' };
  await env.deps.sequelize.query('INSERT INTO notification_contacts (user_id, phone) VALUES (?, ?)', { replacements: [user.id, user.phone] });
}, 120_000);

afterAll(async () => {
  await env?.close();
  await sandbox?.close();
  await catcher?.stop();
});

const event = (): NotificationEvent => ({ type: 'metrc.parked', key: `test:${randomUUID()}`, facts: { license: `CO-${randomUUID().slice(0, 6)}`, error: 'key refused' } });

async function deliverSms(e: NotificationEvent) {
  const settings = temporalSettings(env.deps.config);
  const input: NotificationDeliveryInput = { event: e, recipientUserId: user.id, channel: 'sms', retry: settings.defaultActivityRetry, sendTimeoutMs: 2000 };
  const handle = await env.client.workflow.start('notificationDelivery', {
    workflowId: notificationWorkflowId(e.key, 'sms', user.id),
    taskQueue: settings.taskQueues.notifications,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  });
  return handle.result();
}
const about = (e: NotificationEvent) => sandbox.messages.filter((m) => m.body.includes(e.facts.license!));

describe('SMS notifications', () => {
  it('a create whose answer was lost is found by its reference, not sent again', async () => {
    const e = event();
    sandbox.faults.dropAfterCommit = 1;
    expect(await deliverSms(e)).toEqual({ status: 'sent' });
    expect(about(e)).toHaveLength(1);
    expect(about(e)[0]!.to).toBe(user.phone);
  }, 60_000);

  it('a 500 created nothing: the look-up says so and the retry sends once', async () => {
    const e = event();
    sandbox.faults.fail5xx = 1;
    expect(await deliverSms(e)).toEqual({ status: 'sent' });
    expect(about(e)).toHaveLength(1);
  }, 60_000);

  it('a 429 is retried after its Retry-After and sends once', async () => {
    const e = event();
    sandbox.faults.rate429 = 1;
    sandbox.faults.retryAfterS = 1;
    const started = Date.now();
    expect(await deliverSms(e)).toEqual({ status: 'sent' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(about(e)).toHaveLength(1);
  }, 60_000);

  it('an urgent event reaches staff by email, and by SMS those with a number', async () => {
    const e = event();
    const acts = createNotificationActivities({ config: env.deps.config, sequelize: env.deps.sequelize, redis: env.deps.redis, writer: env.deps.writer, temporal: () => env.deps.temporal.get() });
    await acts.startNotifications(e);
    await acts.startNotifications(e); // a retried caller starts nothing twice
    // Other compliance users of the shared test database may be in a burst window or have opted
    // out: this file's user (with a phone) gets exactly one email and one text, nobody gets two.
    const mails = () => catcher.messages().filter((m) => m.text?.includes(e.facts.license!));
    const mine = () => about(e).filter((m) => m.to === user.phone);
    await waitFor('email and SMS', async () => mails().some((m) => m.to[0] === user.email) && mine().length >= 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(mails().filter((m) => m.to[0] === user.email)).toHaveLength(1);
    expect(new Set(mails().map((m) => m.to[0])).size).toBe(mails().length);
    // Texts likewise: another file's compliance user with a number may get one too, nobody two.
    expect(mine()).toHaveLength(1);
    expect(new Set(about(e).map((m) => m.to)).size).toBe(about(e).length);
    expect(mine()[0]!.body).toMatch(/^Trellis: METRC refuses the key of licence CO-\w+ http:\/\/localhost:\d+\/compliance ref:[0-9a-f]{8}$/);
  }, 60_000);
});
