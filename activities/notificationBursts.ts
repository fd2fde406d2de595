/**
 * No storms (issue 16): which of a recipient's bursty events go out on their own, the digest they
 * join otherwise, and the per-provider send rate. Redis holds the state every worker shares.
 */
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { WORKFLOW_TYPES } from '../contracts/workflowTypes.js';
import { DIGEST_ADD_SIGNAL, digestWorkflowId } from '../domain/notifications/digest.js';
import type { NotificationEvent } from '../domain/notifications/events.js';
import type { NotificationCategory } from '../domain/notifications/rules.js';
import type { Config } from '../platform/config.js';
import { temporalSettings } from '../temporal.config.js';
import type { NotificationDigestInput } from '../workflows/notificationDigest.js';

/**
 * Whether `eventKey` is the first event of `category` to reach this recipient in the window. The
 * key remembers which event was first, so a retried starter of that same event is still first
 * (and does not also put it in the digest).
 */
export async function firstInWindow(redis: Redis, userId: string, category: NotificationCategory, eventKey: string, windowMs: number): Promise<boolean> {
  const key = `trellis:notify:burst:${userId}:${category}`;
  if ((await redis.set(key, eventKey, 'PX', windowMs, 'NX')) === 'OK') return true;
  return (await redis.get(key)) === eventKey;
}

/** Adds the event to the recipient's collecting digest, starting one if none runs (signalWithStart is atomic per id). */
export async function addToDigest(client: Client, config: Config, userId: string, category: NotificationCategory, event: NotificationEvent, windowMs: number): Promise<void> {
  const settings = temporalSettings(config);
  const input: NotificationDigestInput = { recipientUserId: userId, category, windowMs, sendTimeoutMs: config.mail.sendTimeoutMs, retry: settings.defaultActivityRetry };
  await client.workflow.signalWithStart(WORKFLOW_TYPES.notificationDigest, {
    workflowId: digestWorkflowId(userId, category),
    taskQueue: settings.taskQueues.notifications,
    args: [input],
    signal: DIGEST_ADD_SIGNAL,
    signalArgs: [event],
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for `slots` send slots of `provider` (a batch takes a chunk's worth at once): at most
 * `perSecond` sends per wall-clock second across all workers (a fixed window in Redis; simple, and
 * a provider's own limit is per second too). Callers ask for at most `perSecond` at a time.
 */
export async function acquireSendSlot(redis: Redis, provider: string, perSecond: number, slots = 1): Promise<void> {
  const want = Math.max(1, Math.min(slots, perSecond));
  for (;;) {
    const second = Math.floor(Date.now() / 1000);
    const key = `trellis:notify:rate:${provider}:${second}`;
    const [[, n]] = (await redis.multi().incrby(key, want).pexpire(key, 2_000).exec()) as [[unknown, number], unknown];
    if (n <= perSecond) return;
    await sleep((second + 1) * 1000 - Date.now() + Math.floor(Math.random() * 20));
  }
}
