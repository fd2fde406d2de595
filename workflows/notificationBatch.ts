import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, ParentClosePolicy, proxyActivities, sleep, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { BatchDelivery, BatchOutcome } from '../activities/notificationBatch.js';
import { notificationWorkflowId } from '../contracts/ids.js';
import { WORKFLOW_TYPES } from '../contracts/workflowTypes.js';
import type { NotificationEvent } from '../domain/notifications/events.js';
import { DEFAULT_RETRY, type RetryInput } from './retry.js';

export interface NotificationBatchInput {
  event: NotificationEvent;
  /** Addresses are read at send time, so they are in no workflow history. */
  deliveries: BatchDelivery[];
  retry?: RetryInput;
  /** SMTP_SEND_TIMEOUT: how long one send may take; the activity heartbeats well within it. */
  sendTimeoutMs: number;
}

export interface NotificationBatchResult {
  sent: number;
  alreadySent: number;
  skipped: number;
  deadLettered: number;
}

/** In-flight waits are not attempts (the earlier attempt's outcome is still coming), but they end. */
const MAX_IN_FLIGHT_WAITS = 20;

function failureOf(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  return { type: 'Error', message: cause instanceof Error ? cause.message : String(cause) };
}

/**
 * One event's deliveries, sent together (activities/notificationBatch.ts) but each with its own
 * fate: the retry policy (3 attempts, exponential backoff) counts per delivery, and a delivery
 * that runs out of attempts, or fails for good, becomes its own notificationDelivery workflow
 * (the single-delivery id) that starts as a dead letter and waits for retry or discard.
 */
export async function notificationBatch(input: NotificationBatchInput): Promise<NotificationBatchResult> {
  const retry = input.retry ?? DEFAULT_RETRY;
  const { deliverBatch } = proxyActivities<Activities>({
    startToCloseTimeout: '1 hour',
    // A dead worker is noticed after this; by then its in-flight sends have timed out too.
    heartbeatTimeout: input.sendTimeoutMs + 10_000,
    retry: { initialInterval: retry.initialInterval, backoffCoefficient: retry.backoffCoefficient, maximumInterval: retry.maximumInterval, maximumAttempts: retry.maximumAttempts },
  });
  const result: NotificationBatchResult = { sent: 0, alreadySent: 0, skipped: 0, deadLettered: 0 };
  const attempts = input.deliveries.map(() => 0);
  const dead = new Map<number, { type: string; message: string }>();
  let pending = input.deliveries.map((_, i) => i);
  for (let inFlightWaits = 0; pending.length; ) {
    let outcomes: BatchOutcome[];
    try {
      outcomes = await deliverBatch({ event: input.event, deliveries: pending.map((i) => input.deliveries[i]!) });
    } catch (err) {
      // The activity itself kept failing (not a send): every delivery still open is a dead letter.
      const f = failureOf(err);
      for (const i of pending) dead.set(i, f);
      break;
    }
    const next: number[] = [];
    let wait = 0;
    let onlyInFlight = true;
    outcomes.forEach((o, k) => {
      const i = pending[k]!;
      if (o.status !== 'failed') result[o.status === 'already_sent' ? 'alreadySent' : o.status] += 1;
      else if (o.type === 'DeliveryInFlight' && inFlightWaits < MAX_IN_FLIGHT_WAITS) {
        next.push(i);
        wait = Math.max(wait, o.retryAfterMs ?? 2 * input.sendTimeoutMs);
      } else {
        onlyInFlight = false;
        attempts[i]! += 1;
        if (o.final || attempts[i]! >= retry.maximumAttempts) dead.set(i, { type: o.type, message: o.message });
        else {
          next.push(i);
          const backoff = Math.min(retry.initialInterval * retry.backoffCoefficient ** (attempts[i]! - 1), retry.maximumInterval);
          wait = Math.max(wait, o.retryAfterMs ?? backoff);
        }
      }
    });
    if (onlyInFlight && next.length) inFlightWaits += 1;
    pending = next;
    if (pending.length) await sleep(wait);
  }
  for (const [i, f] of dead) {
    const d = input.deliveries[i]!;
    try {
      await startChild(WORKFLOW_TYPES.notificationDelivery, {
        workflowId: notificationWorkflowId(input.event.key, d.channel, d.recipientUserId),
        args: [{ event: input.event, recipientUserId: d.recipientUserId, channel: d.channel, retry: input.retry, sendTimeoutMs: input.sendTimeoutMs, failedInBatch: { ...f, attempts: Math.max(1, attempts[i]!) } }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (err) {
      // Already a dead letter (or a single delivery) under that id: it owns the delivery.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    result.deadLettered += 1;
  }
  return result;
}
