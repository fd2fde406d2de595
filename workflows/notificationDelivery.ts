import { ActivityFailure, ApplicationFailure, condition, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { NotificationChannel, NotificationEvent } from '../domain/notifications/events.js';
import { toRetryPolicy, type RetryInput } from './retry.js';

export interface NotificationDeliveryInput {
  event: NotificationEvent;
  /** The address is read at send time, so it is in no workflow history. */
  recipientUserId: string;
  channel: NotificationChannel;
  retry?: RetryInput;
  /** SMTP_SEND_TIMEOUT: the send activity may take the in-flight window (2×) plus margin. */
  sendTimeoutMs: number;
  /** Set by notificationBatch: the delivery already failed there, so this workflow starts as its dead letter. */
  failedInBatch?: { type: string; message: string; attempts: number };
}

export interface NotificationDeliveryResult {
  status: 'sent' | 'already_sent' | 'skipped' | 'discarded';
}

/** The dead-letter contract (activities/dlq.ts): `retry` and `discard`, sent by the dead-letter API. */
export const notificationRetrySignal = defineSignal<[{ payload?: unknown; by?: string }]>('retry');
export const notificationDiscardSignal = defineSignal<[{ reason?: string; by?: string }]>('discard');

/** Failures no automatic retry may repeat: the message was refused for good, or may already be delivered. */
const FINAL = ['SmtpRejected', 'DeliveryOutcomeUnknown', 'MailNotConfigured', 'SmsRejected', 'SmsNotConfigured'];

function failureOf(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  return { type: 'Error', message: cause instanceof Error ? cause.message : String(cause) };
}

/**
 * One delivery of one event to one recipient on one channel. The send activity runs with the
 * default retry policy (3 attempts, exponential backoff); when those are spent the delivery waits
 * as a dead letter until a person retries it (sent again, even after an unknown outcome) or
 * discards it.
 */
export async function notificationDelivery(input: NotificationDeliveryInput): Promise<NotificationDeliveryResult> {
  const retry = toRetryPolicy(input.retry);
  const send = proxyActivities<Activities>({
    startToCloseTimeout: 2 * input.sendTimeoutMs + 5_000,
    retry: { ...retry, nonRetryableErrorTypes: [...(retry.nonRetryableErrorTypes ?? []), ...FINAL] },
  });
  const book = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry });

  let decision: 'retry' | 'discard' | undefined;
  setHandler(notificationRetrySignal, () => void (decision = 'retry'));
  setHandler(notificationDiscardSignal, () => void (decision = 'discard'));

  const who = { event: input.event, recipientUserId: input.recipientUserId };
  // Without failedInBatch (every earlier history) the first pass sends, as it always did.
  let prior = input.failedInBatch;
  for (let resendUnknown = false; ; resendUnknown = true) {
    let f: { type: string; message: string };
    let attempts = retry.maximumAttempts ?? 0;
    if (prior) {
      f = { type: prior.type, message: prior.message };
      attempts = prior.attempts;
      prior = undefined;
    } else {
      try {
        // 'in_app' is a channel no earlier history used, so this branch changes no replayed commands.
        const r =
          input.channel === 'in_app'
            ? await send.deliverInApp(who)
            : input.channel === 'sms'
              ? await send.deliverSms({ ...who, resendUnknown })
              : await send.deliverEmail({ ...who, resendUnknown });
        return { status: r.status };
      } catch (err) {
        f = failureOf(err);
      }
    }
    decision = undefined;
    const info = workflowInfo();
    await book.recordDeadLetter({
      queue: info.taskQueue,
      workflowId: info.workflowId,
      kind: 'notification',
      subjectId: info.workflowId.slice(0, 128),
      payload: { event_type: input.event.type, event_key: input.event.key, recipient_user_id: input.recipientUserId, channel: input.channel },
      error: f,
      attempts,
    });
    await condition(() => decision !== undefined);
    if (decision === 'discard') {
      await book.discardNotification({ ...who, channel: input.channel });
      return { status: 'discarded' };
    }
  }
}
