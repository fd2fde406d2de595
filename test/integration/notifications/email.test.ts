/**
 * Email notifications end to end (issue 16): real API, workers, Temporal, database and a real SMTP
 * server (the mail catcher, in-process). Messages are counted by Message-ID as the server got them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { createActivities } from '../../../activities/index.js';
import { createNotificationActivities } from '../../../activities/notifications.js';
import { notificationWorkflowId, type NotificationEvent } from '../../../domain/notifications/events.js';
import { startMailCatcher, type CaughtMail, type MailCatcher } from '../../../sandboxes/mail/catcher.js';
import { createMailer, type Mailer } from '../../../integrations/mail/transport.js';
import { temporalSettings } from '../../../temporal.config.js';
import type { NotificationDeliveryInput } from '../../../workflows/notificationDelivery.js';
import { insertSubmission } from '../../../db/repositories/metrcSubmissions.js';
import { createTestUser } from '../../support/auth.js';
import { startWorkers, type RunningWorkers, ownQueues } from '../../support/harness.js';
import { call, freshStock, ordersEnv, placeOrder, transition, waitFor, type OrdersEnv } from '../orders/helpers.js';
import { metrcSubmissionWorkflowId } from '../../../contracts/ids.js';

const PUBLIC_URL = 'https://console.trellis.test';
let catcher: MailCatcher;
let env: OrdersEnv;
let workers: RunningWorkers;
/** How many of the next sends stop after the server took the message, like a worker that died there. */
let dieAfterSend = 0;

const byMessageId = (id: string) => catcher.messages().filter((m) => m.messageId === id);

beforeAll(async () => {
  catcher = await startMailCatcher();
  env = await ordersEnv({
    queues: false,
    env: { ...ownQueues(), SMTP_HOST: '127.0.0.1', SMTP_PORT: String(catcher.smtpPort), SMTP_SEND_TIMEOUT: '1s', PUBLIC_URL, MAIL_FROM: 'Trellis <notify@trellis.test>' },
  });
  const deps = { config: env.deps.config, sequelize: env.deps.sequelize, redis: env.deps.redis, writer: env.deps.writer, temporal: () => env.deps.temporal.get() };
  const real = createMailer(env.deps.config.mail);
  const mailer: Mailer = {
    async send(mail) {
      const r = await real.send(mail);
      if (dieAfterSend > 0) {
        dieAfterSend -= 1;
        // Outlive the activity's start-to-close timeout (2 × 1 s + 5 s), then fail without
        // recording anything: what the next attempt sees is a 'sending' row, as after a crash.
        await new Promise((resolve) => setTimeout(resolve, 9_000));
        Context.current().log.info('simulated crash after send');
        throw new Error('worker died');
      }
      return r;
    },
    close: () => real.close(),
  };
  workers = await startWorkers(env.deps, { queues: ['orders', 'notifications'], activities: { deliverEmail: createNotificationActivities(deps, () => mailer).deliverEmail } });
}, 120_000);

afterAll(async () => {
  await workers?.stop();
  await env?.close();
  await catcher?.stop();
});

async function retailerUsers(): Promise<Array<{ id: string; email: string }>> {
  const [rows] = await env.deps.sequelize.query("SELECT id, email FROM users WHERE entity_id = ? AND role = 'entity' AND disabled_at IS NULL", { replacements: [env.world.retailer.id] });
  return rows as Array<{ id: string; email: string }>;
}

async function deliver(event: NotificationEvent, recipientUserId: string) {
  const settings = temporalSettings(env.deps.config);
  const input: NotificationDeliveryInput = { event, recipientUserId, channel: 'email', retry: settings.defaultActivityRetry, sendTimeoutMs: 1000 };
  return env.client.workflow.start('notificationDelivery', {
    workflowId: notificationWorkflowId(event.key, 'email', recipientUserId),
    taskQueue: settings.taskQueues.notifications,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  });
}

async function openLetter(workflowId: string) {
  return waitFor('the dead letter', async () => {
    const [rows] = await env.deps.sequelize.query("SELECT id, error FROM dead_letters WHERE workflow_id = ? AND status = 'open'", { replacements: [workflowId] });
    const r = (rows as Array<{ id: string; error: unknown }>)[0];
    return r && { id: r.id, error: typeof r.error === 'string' ? (JSON.parse(r.error) as unknown) : r.error };
  }, 60_000);
}

describe('email notifications', () => {
  it('an accepted order sends exactly one email to each retailer user, with the order number and a console link', async () => {
    await createTestUser(env.deps, { role: 'member', entityId: env.world.retailer.id });
    const recipients = await retailerUsers();
    expect(recipients.length).toBeGreaterThanOrEqual(2);
    const stock = await freshStock(env, 10);
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }]);
    const accepted = await transition(env, env.wholesaler, order.id, { action: 'accept' });
    expect(accepted.status).toBeLessThan(300);

    const mine = (): CaughtMail[] => catcher.messages().filter((m) => m.subject === `Order ${order.order_number} was accepted`);
    await waitFor('one email per retailer user', async () => mine().length >= recipients.length);
    await new Promise((r) => setTimeout(r, 1500)); // anything extra would arrive meanwhile
    const mails = mine();
    expect(mails.map((m) => m.to[0]).sort()).toEqual(recipients.map((r) => r.email).sort());
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(mails.length);
    for (const m of mails) {
      for (const body of [m.text, m.html]) {
        expect(body).toContain(order.order_number);
        expect(body).toContain(`${PUBLIC_URL}/orders/${order.id}`);
      }
    }
    // The wholesaler's users hear nothing of their own acceptance.
    const [wholesalerMails] = await env.deps.sequelize.query("SELECT COUNT(*) AS n FROM notification_deliveries WHERE event_type = 'order.accepted' AND recipient_user_id IN (SELECT id FROM users WHERE entity_id = ?)", { replacements: [env.world.wholesaler.id] });
    expect(Number((wholesalerMails as Array<{ n: number }>)[0]!.n)).toBe(0);
  }, 90_000);

  it('a mail server refusing (421) three times dead-letters the delivery; a retry from the dead-letter API delivers it once', async () => {
    const [user] = await retailerUsers();
    const event: NotificationEvent = { type: 'order.shipped', key: `test:${randomUUID()}`, entityId: env.world.retailer.id, facts: { orderId: randomUUID(), orderNumber: 'TEST-421' } };
    catcher.refuse(3, 421);
    const handle = await deliver(event, user!.id);
    const letter = await openLetter(handle.workflowId);
    expect(letter.error).toMatchObject({ type: 'SmtpUnavailable' });
    const [row] = (await env.deps.sequelize.query('SELECT status, attempts, message_id FROM notification_deliveries WHERE event_key = ?', { replacements: [event.key] }))[0] as Array<{ status: string; attempts: number; message_id: string }>;
    expect(row).toMatchObject({ status: 'failed', attempts: 3 });
    expect(byMessageId(row!.message_id)).toHaveLength(0);

    const retried = await call(env, env.compliance, 'POST', `/dead-letters/${letter.id}/retry`);
    expect(retried.status).toBe(202);
    expect(await handle.result()).toEqual({ status: 'sent' });
    await new Promise((r) => setTimeout(r, 500));
    expect(byMessageId(row!.message_id)).toHaveLength(1);
  }, 90_000);

  it('an attempt that stopped after the server took the message is not sent again by the retry', async () => {
    const [user] = await retailerUsers();
    const event: NotificationEvent = { type: 'order.shipped', key: `test:${randomUUID()}`, entityId: env.world.retailer.id, facts: { orderId: randomUUID(), orderNumber: 'TEST-CRASH' } };
    dieAfterSend = 1;
    const handle = await deliver(event, user!.id);
    const letter = await openLetter(handle.workflowId);
    expect(letter.error).toMatchObject({ type: 'DeliveryOutcomeUnknown' });
    const [row] = (await env.deps.sequelize.query('SELECT status, message_id FROM notification_deliveries WHERE event_key = ?', { replacements: [event.key] }))[0] as Array<{ status: string; message_id: string }>;
    expect(row!.status).toBe('unknown');
    await new Promise((r) => setTimeout(r, 3000)); // the stalled first attempt ends meanwhile
    expect(byMessageId(row!.message_id)).toHaveLength(1);
    // A second start of the same delivery (a retried caller) starts nothing.
    await expect(deliver(event, user!.id)).rejects.toThrow(/already/i);
    await call(env, env.compliance, 'POST', `/dead-letters/${letter.id}/discard`, { reason: 'it arrived' });
    expect(await handle.result()).toEqual({ status: 'discarded' });
    expect(byMessageId(row!.message_id)).toHaveLength(1);
  }, 90_000);

  it('a POS connection refused for its credentials notifies the entity owner and operators once for those credentials', async () => {
    const owner = await createTestUser(env.deps, { role: 'owner', entityId: env.world.wholesaler.id });
    await createTestUser(env.deps, { role: 'operator' });
    const made = await call(env, env.admin, 'POST', '/pos-connections', { entity_id: env.world.wholesaler.id, location_id: env.world.warehouse.id, vendor: 'dutchie', credentials: { location_key: 'LOC-KEY-SECRET-1234' } });
    expect(made.status).toBe(201);
    const [ops] = await env.deps.sequelize.query("SELECT email FROM users WHERE role = 'operator' AND disabled_at IS NULL");
    const expected = [owner.email, ...(ops as Array<{ email: string }>).map((o) => o.email)].sort();
    const acts = createActivities({ config: env.deps.config, sequelize: env.deps.sequelize, redis: env.deps.redis, writer: env.deps.writer, temporal: () => env.deps.temporal.get() });
    // Two failed syncs with the same refused credentials (and a retried activity) are one notification.
    for (let i = 0; i < 3; i++) await acts.posFailRun({ runId: randomUUID(), connectionId: made.body.id, errorType: 'PosAuthError', message: '401 from Dutchie' });
    const mine = () => catcher.messages().filter((m) => m.raw.includes('X-Trellis-Event: pos.credentials_failed') && m.text?.includes(env.world.wholesaler.name));
    await waitFor('the POS alerts', async () => mine().length >= expected.length);
    await new Promise((r) => setTimeout(r, 1500));
    expect(mine().map((m) => m.to[0]).sort()).toEqual(expected);
    for (const m of mine()) expect(m.raw).not.toContain('LOC-KEY-SECRET');
  }, 90_000);

  it('a METRC submission that ran out of retries notifies compliance staff once per dead letter', async () => {
    // Other compliance users of the shared test database may sit in a burst window (their alerts
    // go to a digest) or have switched compliance email off: assert on one made here.
    const me = await createTestUser(env.deps, { role: 'compliance' });
    const receipt = `R-${randomUUID().slice(0, 8)}`;
    const made = await insertSubmission(env.deps.sequelize, { kind: 'sales_receipt', licenseNumber: 'CO-NOTIFY-1', payload: { ExternalReceiptNumber: receipt, Sequence: 1 } });
    if (!made.created) throw new Error('submission exists');
    const acts = createActivities({ config: env.deps.config, sequelize: env.deps.sequelize, redis: env.deps.redis, writer: env.deps.writer, temporal: () => env.deps.temporal.get() });
    const error = { type: 'MetrcServerError', code: 'METRC_5XX', message: 'METRC answered 500', status: 500 };
    // Retried activity: the same dead letter, so the same notifications.
    for (let i = 0; i < 2; i++) await acts.failMetrcSubmission({ submissionId: made.row.id, workflowId: metrcSubmissionWorkflowId(made.row.id), queue: 'compliance', error });
    const mine = () => catcher.messages().filter((m) => m.raw.includes('X-Trellis-Event: metrc.dead_lettered') && m.text?.includes('CO-NOTIFY-1'));
    await waitFor('the METRC alert', async () => mine().some((m) => m.to[0] === me.email));
    await new Promise((r) => setTimeout(r, 1500));
    expect(mine().filter((m) => m.to[0] === me.email)).toHaveLength(1);
    const recipients = mine().map((m) => m.to[0]);
    expect(new Set(recipients).size).toBe(recipients.length); // nobody twice
    expect(mine()[0]!.text).toContain(`${PUBLIC_URL}/compliance`);
  }, 90_000);

  it('a placed order sends one email to each of the wholesaler\'s users, with the deadline and a console link', async () => {
    const [rows] = await env.deps.sequelize.query("SELECT email FROM users WHERE entity_id = ? AND role = 'entity' AND disabled_at IS NULL", { replacements: [env.world.wholesaler.id] });
    const expected = (rows as Array<{ email: string }>).map((u) => u.email).sort();
    expect(expected.length).toBeGreaterThanOrEqual(1);
    const stock = await freshStock(env, 5);
    const order = await placeOrder(env, [{ variant_id: stock.variantId, quantity: 1 }]);
    const mine = () => catcher.messages().filter((m) => m.subject?.startsWith(`New order ${order.order_number} `));
    await waitFor('one email per wholesaler user', async () => mine().length >= expected.length);
    await new Promise((r) => setTimeout(r, 1500));
    expect(mine().map((m) => m.to[0]).sort()).toEqual(expected);
    for (const m of mine()) {
      expect(m.text).toContain(`${PUBLIC_URL}/orders/${order.id}`);
      expect(m.text).toContain('Accept or reject it before');
    }
  }, 90_000);
});
