import { condition, proxyActivities, setHandler, sleep, workflowInfo, defineSignal } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { DIGEST_ADD_SIGNAL, DIGEST_LIST_LIMIT } from '../domain/notifications/digest.js';
import type { NotificationEvent } from '../domain/notifications/events.js';
import type { NotificationCategory } from '../domain/notifications/rules.js';
import { notificationDiscardSignal, notificationRetrySignal } from './notificationDelivery.js';
import { toRetryPolicy, type RetryInput } from './retry.js';

export interface NotificationDigestInput {
  recipientUserId: string;
  category: NotificationCategory;
  /** NOTIFY_DIGEST_WINDOW (bursts) or an hour (users who chose the hourly digest). */
  windowMs: number;
  sendTimeoutMs: number;
  retry?: RetryInput;
}

/** One event for the digest; started with signalWithStart, so the first event starts the workflow. */
export const digestAddSignal = defineSignal<[NotificationEvent]>(DIGEST_ADD_SIGNAL);

/**
 * Collects one recipient's events of one category for a window, then sends them as one email.
 * Events arriving while it sends wait for the next window; a window with none ends the workflow,
 * and the next event starts a new one (same id). A digest that cannot be sent is a dead letter
 * carrying how many events it held, and waits (collecting on) for the dead-letter view's retry or
 * discard, like a single delivery, so nothing is lost silently.
 */
export async function notificationDigest(input: NotificationDigestInput): Promise<{ digests: number; events: number }> {
  const retry = toRetryPolicy(input.retry);
  const send = proxyActivities<Activities>({
    startToCloseTimeout: 2 * input.sendTimeoutMs + 35_000, // the send may wait its turn under the provider rate limit
    retry: {
      ...retry,
      nonRetryableErrorTypes: [
        ...(retry.nonRetryableErrorTypes ?? []),
        'SmtpRejected',
        'DeliveryOutcomeUnknown',
        'MailNotConfigured',
      ],
    },
  });
  const book = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry });

  const seen = new Set<string>(); // the same event signalled twice (a retried starter) counts once
  let listed: NotificationEvent[] = [];
  let count = 0;
  let digests = 0;
  let events = 0;
  let decision: 'retry' | 'discard' | undefined;
  setHandler(notificationRetrySignal, () => void (decision = 'retry'));
  setHandler(notificationDiscardSignal, () => void (decision = 'discard'));
  setHandler(digestAddSignal, (e) => {
    if (seen.has(e.key)) return;
    seen.add(e.key);
    count += 1;
    if (listed.length < DIGEST_LIST_LIMIT) listed.push(e);
  });

  for (;;) {
    await sleep(input.windowMs);
    if (count === 0) return { digests, events };
    const batch = { events: listed, total: count };
    listed = [];
    count = 0;
    const digestKey = `${workflowInfo().workflowId}:${workflowInfo().runId}:${digests}`;
    for (let resendUnknown = false; ; resendUnknown = true) {
      try {
        await send.deliverDigest({
          resendUnknown,
          recipientUserId: input.recipientUserId,
          category: input.category,
          events: batch.events,
          total: batch.total,
          digestKey,
        });
        break;
      } catch (err) {
        const info = workflowInfo();
        decision = undefined;
        await book.recordDeadLetter({
          queue: info.taskQueue,
          workflowId: info.workflowId,
          kind: 'notification',
          subjectId: digestKey.slice(0, 128),
          payload: {
            digest: true,
            category: input.category,
            recipient_user_id: input.recipientUserId,
            events: batch.total,
            event_keys: batch.events.map((e) => e.key),
          },
          error: { type: 'DigestFailed', message: err instanceof Error ? err.message : String(err) },
          attempts: retry.maximumAttempts ?? 0,
        });
        await condition(() => decision !== undefined);
        if (decision === 'discard') break;
      }
    }
    digests += 1;
    events += batch.total;
  }
}
