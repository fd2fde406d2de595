/**
 * A worker process SIGKILLed while the SMTP server holds its message (taken, not yet answered):
 * the next attempt, on a fresh worker, must not send it again. Real worker process, real SMTP
 * server (the catcher), real Temporal; the copy count is by Message-ID as the server got it.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { notificationWorkflowId, type NotificationEvent } from '../../../domain/notifications/events.js';
import { startMailCatcher, type MailCatcher } from '../../../sandboxes/mail/catcher.js';
import { temporalSettings } from '../../../temporal.config.js';
import type { NotificationDeliveryInput } from '../../../workflows/notificationDelivery.js';
import { startWorkers, type RunningWorkers, ownQueues } from '../../support/harness.js';
import { FAST, ordersEnv, waitFor, type OrdersEnv } from '../orders/helpers.js';
import { spawnWorkerProcess } from '../../support/workerProcess.js';

const SEND_TIMEOUT_MS = 3000;
let catcher: MailCatcher;
let env: OrdersEnv;
let mailEnv: Record<string, string>;
let child: ChildProcess | undefined;
let workers: RunningWorkers | undefined;

function spawnWorker(): Promise<ChildProcess> {
  return spawnWorkerProcess({ ...FAST, ...mailEnv, WORKER_QUEUES: 'notifications' });
}

beforeAll(async () => {
  catcher = await startMailCatcher();
  // Own task queues (passed to the child worker too): no other file's worker may take the delivery.
  mailEnv = { ...ownQueues(), SMTP_HOST: '127.0.0.1', SMTP_PORT: String(catcher.smtpPort), SMTP_SEND_TIMEOUT: `${SEND_TIMEOUT_MS}ms` };
  env = await ordersEnv({ queues: false, env: mailEnv });
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await workers?.stop();
  await env?.close();
  await catcher?.stop();
});

describe('a worker killed mid-send', () => {
  it('leaves one copy at the server; the retry on a fresh worker dead-letters the delivery instead of sending again', async () => {
    const [user] = (await env.deps.sequelize.query("SELECT id FROM users WHERE entity_id = ? AND role = 'entity'", { replacements: [env.world.retailer.id] }))[0] as Array<{ id: string }>;
    const event: NotificationEvent = { type: 'order.shipped', key: `test:${randomUUID()}`, entityId: env.world.retailer.id, facts: { orderId: randomUUID(), orderNumber: 'TEST-KILL' } };
    const settings = temporalSettings(env.deps.config);
    const input: NotificationDeliveryInput = { event, recipientUserId: user!.id, channel: 'email', retry: settings.defaultActivityRetry, sendTimeoutMs: SEND_TIMEOUT_MS };

    child = await spawnWorker();
    catcher.hold(1, 60_000);
    const handle = await env.client.workflow.start('notificationDelivery', {
      workflowId: notificationWorkflowId(event.key, 'email', user!.id),
      taskQueue: settings.taskQueues.notifications,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    const taken = await waitFor('the server to take the message', async () => catcher.messages().find((m) => m.text?.includes('TEST-KILL')));
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));

    workers = await startWorkers(env.deps, { queues: ['notifications'] });
    const letter = await waitFor('the dead letter', async () => {
      const [rows] = await env.deps.sequelize.query("SELECT id, error FROM dead_letters WHERE workflow_id = ? AND status = 'open'", { replacements: [handle.workflowId] });
      return (rows as Array<{ id: string; error: unknown }>)[0];
    }, 60_000);
    const error = typeof letter.error === 'string' ? (JSON.parse(letter.error) as { type: string }) : (letter.error as { type: string });
    expect(error.type).toBe('DeliveryOutcomeUnknown');
    const [row] = (await env.deps.sequelize.query('SELECT status, attempts, message_id FROM notification_deliveries WHERE event_key = ?', { replacements: [event.key] }))[0] as Array<{ status: string; attempts: number; message_id: string }>;
    expect(row).toMatchObject({ status: 'unknown', attempts: 1, message_id: taken.messageId });
    expect(catcher.messages().filter((m) => m.messageId === taken.messageId)).toHaveLength(1);
  }, 120_000);
});
