/**
 * A batch of deliveries (one notificationBatch workflow) whose worker process is SIGKILLed while
 * the SMTP server holds one of its messages (taken, not answered): the fresh worker sends none of
 * the others again, the held one becomes its own dead letter (DeliveryOutcomeUnknown, under the
 * single-delivery id) instead of a second copy, and the dead letter's retry sends it again by the
 * person's choice with the same Message-ID. Real worker process, SMTP server, Temporal, database.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationBatchId, startDeliveryBatches } from '../../../activities/notifications.js';
import { notificationWorkflowId, type NotificationEvent } from '../../../domain/notifications/events.js';
import { startMailCatcher, type MailCatcher } from '../../../sandboxes/mail/catcher.js';
import { createTestUser } from '../../support/auth.js';
import { GENERATION, RECORDING, recordHistories } from '../../support/recordHistories.js';
import { startWorkers, type RunningWorkers, ownQueues } from '../../support/harness.js';
import { call, FAST, ordersEnv, waitFor, type OrdersEnv } from '../orders/helpers.js';
import { spawnWorkerProcess } from '../../support/workerProcess.js';

const SEND_TIMEOUT_MS = 3000;
const RECIPIENTS = 30;
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
  mailEnv = { ...ownQueues(), SMTP_HOST: '127.0.0.1', SMTP_PORT: String(catcher.smtpPort), SMTP_SEND_TIMEOUT: `${SEND_TIMEOUT_MS}ms` };
  env = await ordersEnv({ queues: false, env: mailEnv });
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await workers?.stop();
  await env?.close();
  await catcher?.stop();
});

describe('a batch whose worker is killed mid-send', () => {
  it('sends every other message once; the held one is a dead letter, sent again only by the retry', async () => {
    const users: Array<{ id: string; email: string }> = [];
    for (let i = 0; i < RECIPIENTS; i++) users.push(await createTestUser(env.deps, { role: 'operator', mfa: false }));
    const event: NotificationEvent = { type: 'metrc.dead_lettered', key: `test:${randomUUID()}`, facts: { submissionKind: 'receipt', license: `CO-KILL-${randomUUID().slice(0, 6)}`, error: 'down' } };
    const mine = () => catcher.messages().filter((m) => m.text?.includes(event.facts.license!));
    const rows = async () =>
      (await env.deps.sequelize.query('SELECT recipient_user_id, status, attempts, message_id FROM notification_deliveries WHERE event_key = ?', { replacements: [event.key] }))[0] as Array<{
        recipient_user_id: string;
        status: string;
        attempts: number;
        message_id: string;
      }>;

    child = await spawnWorker();
    catcher.hold(1, 60_000);
    const client = await env.deps.temporal.get();
    expect(await startDeliveryBatches(client, env.deps.config, event, users.map((u) => ({ recipientUserId: u.id, channel: 'email' as const })))).toEqual({ started: RECIPIENTS, existing: 0 });
    // Every message at the server (one of them held unanswered), and the answered ones marked sent.
    await waitFor('all taken, the answered ones marked sent', async () => mine().length === RECIPIENTS && (await rows()).filter((r) => r.status === 'sent').length === RECIPIENTS - 1, 60_000);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));

    workers = await startWorkers(env.deps, { queues: ['notifications'] });
    const batch = client.workflow.getHandle(notificationBatchId(event.key, 0));
    // Sent by the killed attempt: reported by its last heartbeat, or found 'sent' by the retry.
    const result = await batch.result();
    expect(result.sent + result.alreadySent).toBe(RECIPIENTS - 1);
    expect(result).toMatchObject({ skipped: 0, deadLettered: 1 });

    const after = await rows();
    const held = after.find((r) => r.status !== 'sent')!;
    expect(after.filter((r) => r.status === 'sent')).toHaveLength(RECIPIENTS - 1);
    expect(held).toMatchObject({ status: 'unknown', attempts: 1 });
    const letterOf = async () => {
      const [r] = await env.deps.sequelize.query("SELECT id, error, attempts FROM dead_letters WHERE workflow_id = ? AND status = 'open'", {
        replacements: [notificationWorkflowId(event.key, 'email', held.recipient_user_id)],
      });
      return (r as Array<{ id: string; error: unknown; attempts: number }>)[0];
    };
    const letter = await waitFor('the dead letter of the held message', letterOf, 30_000);
    const error = (typeof letter.error === 'string' ? JSON.parse(letter.error) : letter.error) as { type: string };
    expect(error.type).toBe('DeliveryOutcomeUnknown');
    // One copy of each message at the server, none twice.
    const ids = mine().map((m) => m.messageId);
    expect(new Set(ids).size).toBe(RECIPIENTS);
    expect(ids.sort()).toEqual(after.map((r) => r.message_id).sort());

    // A person retries the dead letter: sent again (their choice) with the same Message-ID.
    expect((await call(env, env.compliance, 'POST', `/dead-letters/${letter.id}/retry`)).status).toBe(202);
    await waitFor('the resend', async () => mine().filter((m) => m.messageId === held.message_id).length === 2, 30_000);
    await waitFor('the row sent', async () => (await rows()).find((r) => r.message_id === held.message_id)?.status === 'sent', 30_000);
    expect(mine()).toHaveLength(RECIPIENTS + 1);
    const single = client.workflow.getHandle(notificationWorkflowId(event.key, 'email', held.recipient_user_id));
    expect(await single.result()).toEqual({ status: 'sent' });
    if (RECORDING) {
      // The batch (a killed attempt, in-flight wait, dead letter handed on) and its dead letter's workflow feed the replay guard.
      await recordHistories(env.deps.config, [
        { file: `notificationBatch-${GENERATION}-worker-killed-one-dead-lettered`, workflowId: batch.workflowId },
        { file: `notificationDelivery-${GENERATION}-dead-lettered-in-batch-then-retried`, workflowId: single.workflowId },
      ]);
    }
  }, 180_000);
});
