/**
 * Notification activities (issue 16, `notifications` queue).
 *
 * Delivery semantics — at most once, automatically: every (event, recipient, channel) has one
 * notification_deliveries row and one deterministic Message-ID. An attempt records 'sending'
 * before it talks to the SMTP server and 'sent' after the server's 250. A later attempt that
 * finds 'sending' does not know whether the server took the message (a worker died, or the
 * connection broke after the body was sent), so it never sends on its own:
 *  - within the in-flight window (twice SMTP_SEND_TIMEOUT since 'sending'), the first attempt
 *    may still be talking to the server: DeliveryInFlight, retried later;
 *  - after it, the outcome is unknown for good: DeliveryOutcomeUnknown, a dead letter. A person
 *    may retry it, which sends again with the same Message-ID (at least once, by their choice;
 *    mail clients fold copies with one Message-ID).
 * A refusal the server answered (4xx, connection refused) delivered nothing and is retried by the
 * workflow's policy; a 5xx rejection is final (SmtpRejected).
 */
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Sequelize } from 'sequelize';
import { WORKFLOW_TYPES } from '../contracts/workflowTypes.js';
import { type NotificationChannel, type NotificationEvent } from '../domain/notifications/events.js';
import { audienceOf, channelsFor, emailRoute, ruleOf, type ChannelSwitches } from '../domain/notifications/rules.js';
import { acquireSendSlot, addToDigest, firstInWindow } from './notificationBursts.js';
import { loadPreferences, parseSwitches } from '../db/repositories/notificationPreferences.js';
import { activeUser, audienceMembers } from '../db/repositories/notificationRecipients.js';
import { keyringOf } from '../platform/crypto.js';
import { unsubscribeToken } from '../platform/unsubscribeToken.js';
import { renderEmail } from '../domain/notifications/templates.js';
import { claimDelivery, discardDelivery, finishDelivery } from '../db/repositories/notificationDeliveries.js';
import { classifySmtpError, createMailer, smtpErrorText, type Mailer } from '../integrations/mail/transport.js';
import { reportAttachment } from './reportAttachment.js';
import { logger } from '../platform/logger.js';
import { temporalSettings } from '../temporal.config.js';
import type { NotificationBatchInput } from '../workflows/notificationBatch.js';
import type { ActivityDeps } from './deps.js';

const fail = (type: string, message: string, nonRetryable = false) => ApplicationFailure.create({ type, message, nonRetryable });

export function deliveryKey(event: Pick<NotificationEvent, 'type' | 'key'>, recipientUserId: string, channel: NotificationChannel): string {
  return createHash('sha256').update(`${event.type}|${event.key}|${recipientUserId}|${channel}`).digest('hex');
}

/** Deterministic Message-ID: the same delivery always carries the same one, on every attempt. */
export function messageIdFor(key: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'trellis.local';
  return `<${key.slice(0, 40)}@${domain}>`;
}

interface Recipient {
  id: string;
  email: string;
  phone: string | null;
  switches: ChannelSwitches;
  digest: 'immediate' | 'hourly';
}

/** Active users an event goes to (domain/notifications/rules.ts): the entity's users with the rule's entity roles, and staff with its platform roles. */
export async function recipientsOf(sequelize: Sequelize, event: NotificationEvent): Promise<Recipient[]> {
  const audience = audienceOf(event.type);
  const rows = await audienceMembers(sequelize, {
    entityId: event.entityId,
    entityRoles: audience.entityRoles,
    staffRoles: audience.staffRoles,
    requesterId: audience.requester ? event.userId : undefined,
  });
  return rows.map((r) => ({ ...r, switches: parseSwitches(r.switches), digest: r.digest === 'hourly' ? 'hourly' : 'immediate' }));
}

/** What starting notifications needs: activities pass their deps, the API its own. */
export type NotifyDeps = Pick<ActivityDeps, 'config' | 'sequelize' | 'temporal'> & { redis?: ActivityDeps['redis'] };

const warn = (msg: string, meta: Record<string, unknown>) => {
  try {
    Context.current().log.warn(msg, meta);
  } catch {
    logger().warn(meta, msg); // outside an activity: the API starting an order's notifications
  }
};

/** Deliveries per notificationBatch workflow: big enough that Temporal's cost per message vanishes, small enough for a short history. */
export const BATCH_SIZE = 500;

/** The one place batch workflow ids are made: the event's deliveries, in a stable order, cut into numbered batches. */
export const notificationBatchId = (eventKey: string, n: number) => `notify-batch:${createHash('sha256').update(eventKey).digest('hex').slice(0, 32)}:${n}`;

/**
 * Starts `deliveries` of `event` as notificationBatch workflows (BATCH_SIZE each). A batch's id
 * may never be reused, so a retried caller starts nothing twice; should its recipients have
 * changed meanwhile, the rows' delivery keys still let nothing go twice.
 */
export async function startDeliveryBatches(
  client: Client,
  config: NotifyDeps['config'],
  event: NotificationEvent,
  deliveries: Array<{ recipientUserId: string; channel: NotificationChannel }>,
): Promise<{ started: number; existing: number }> {
  const settings = temporalSettings(config);
  let started = 0;
  let existing = 0;
  for (let n = 0; n * BATCH_SIZE < deliveries.length; n++) {
    const part = deliveries.slice(n * BATCH_SIZE, (n + 1) * BATCH_SIZE);
    const input: NotificationBatchInput = { event, deliveries: part, retry: settings.defaultActivityRetry, sendTimeoutMs: config.mail.sendTimeoutMs };
    try {
      await client.workflow.start(WORKFLOW_TYPES.notificationBatch, {
        workflowId: notificationBatchId(event.key, n),
        taskQueue: settings.taskQueues.notifications,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
      started += part.length;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      existing += part.length;
    }
  }
  return { started, existing };
}

/**
 * Starts the deliveries of `event`: one notificationBatch workflow per BATCH_SIZE deliveries, each
 * delivery still its own notification_deliveries row. In-app notifications need no mail server;
 * email goes when SMTP_HOST is set, SMS when a provider is.
 */
export async function startNotifications(deps: NotifyDeps, event: NotificationEvent): Promise<{ started: number; existing: number }> {
  if (!deps.temporal) return { started: 0, existing: 0 };
  const emailConfigured = Boolean(deps.config.mail.host);
  const smsConfigured = Boolean(deps.config.mail.sms.baseUrl);
  const client: Client = await deps.temporal();
  const recipients = await recipientsOf(deps.sequelize, event);
  let digested = 0;
  // The rules table decides the channels, narrowed by each user's switches.
  const rule = ruleOf(event.type);
  // Recipients are independent (their own burst keys and digests): 50 at a time, kept in order.
  const route = async (r: Recipient): Promise<Array<{ recipientUserId: string; channel: NotificationChannel }>> => {
    const channels = channelsFor(event.type, { switches: r.switches, hasPhone: Boolean(r.phone) }).filter((c) => c === 'in_app' || (c === 'email' ? emailConfigured : smsConfigured));
    // No burst window is spent on a recipient only the console reaches.
    if (!channels.some((c) => c !== 'in_app')) return channels.map((c) => ({ recipientUserId: r.id, channel: c }));
    // No storms: after a recipient's first bursty event of a category in the window, email joins
    // their digest and no more texts go (callers without Redis, the API's order events, have no bursts).
    const first = rule.bursty && deps.redis ? await firstInWindow(deps.redis, r.id, rule.category, event.key, deps.config.mail.digestWindowMs) : true;
    const digest = emailRoute(event.type, { digest: r.digest, firstInWindow: first }) === 'digest';
    const mine: Array<{ recipientUserId: string; channel: NotificationChannel }> = [];
    for (const c of channels) {
      if (c === 'email' && digest) {
        await addToDigest(client, deps.config, r.id, rule.category, event, first ? 3_600_000 : deps.config.mail.digestWindowMs);
        digested += 1;
      } else if (c !== 'sms' || first) mine.push({ recipientUserId: r.id, channel: c });
    }
    return mine;
  };
  const deliveries: Array<{ recipientUserId: string; channel: NotificationChannel }> = [];
  for (let i = 0; i < recipients.length; i += 50) deliveries.push(...(await Promise.all(recipients.slice(i, i + 50).map(route))).flat());
  const r = await startDeliveryBatches(client, deps.config, event, deliveries);
  return { started: r.started + digested, existing: r.existing };
}

/**
 * For callers whose own work must not fail because a notification could not be started (an
 * order step, a dead letter): logged, not thrown.
 */
export async function startNotificationsQuietly(deps: NotifyDeps, event: NotificationEvent): Promise<void> {
  try {
    await startNotifications(deps, event);
  } catch (err) {
    warn('could not start notifications', { type: event.type, key: event.key, error: String(err) });
  }
}

export function createNotificationActivities(deps: ActivityDeps, makeMailer: () => Mailer = () => createMailer(deps.config.mail)) {
  const { sequelize, config } = deps;
  let mailer: Mailer | undefined;

  return {
    async startNotifications(event: NotificationEvent): Promise<{ started: number; existing: number }> {
      return startNotifications(deps, event);
    },

    /** Sends one email at most once (see the top of this file). */
    async deliverEmail(input: { event: NotificationEvent; recipientUserId: string; resendUnknown?: boolean }): Promise<{ status: 'sent' | 'already_sent' | 'skipped'; messageId?: string }> {
      if (!config.mail.host) throw fail('MailNotConfigured', 'No SMTP server is configured (SMTP_HOST)', true);
      const user = await activeUser(sequelize, input.recipientUserId);
      if (!user) return { status: 'skipped' }; // deactivated or removed since the event
      // Switched off (a click on an earlier email's link) after this delivery was started.
      const category = ruleOf(input.event.type).category;
      if ((await loadPreferences(sequelize, input.recipientUserId)).switches[category]?.email === false) return { status: 'skipped' };
      const token = unsubscribeToken(keyringOf(config), input.recipientUserId, category);
      const unsubscribe = `${config.publicUrl.replace(/\/$/, '')}/api/v1/notifications/unsubscribe?token=${encodeURIComponent(token)}`;
      const key = deliveryKey(input.event, input.recipientUserId, 'email');
      const messageId = messageIdFor(key, config.mail.from);
      // A scheduled report's file, when its event says it goes attached; read before the claim, so a
      // failed read is an ordinary retry and never an unknown send.
      const attachment = input.event.type === 'report.ready' && input.event.facts.attachment ? await reportAttachment(deps, input.event.facts.reportId, input.recipientUserId) : null;
      // Wait for the provider's rate before claiming, so the wait never eats the in-flight window.
      await acquireSendSlot(deps.redis, 'smtp', config.mail.rate.email);
      const claim = await claimDelivery(
        sequelize,
        { deliveryKey: key, eventKey: input.event.key, eventType: input.event.type, channel: 'email', recipientUserId: input.recipientUserId, recipientAddress: user.email, messageId },
        2 * config.mail.sendTimeoutMs,
        input.resendUnknown ?? false,
      );
      if (claim.kind === 'already_sent') return { status: 'already_sent', messageId };
      if (claim.kind === 'in_flight') throw fail('DeliveryInFlight', 'An earlier attempt may still be sending this message');
      if (claim.kind === 'unknown') {
        throw fail('DeliveryOutcomeUnknown', 'An earlier attempt stopped after the message may have been accepted; not sent again automatically', true);
      }
      const mail = renderEmail(input.event, config.publicUrl, unsubscribe);
      try {
        mailer ??= makeMailer();
        const headers = { 'X-Trellis-Event': input.event.type, 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
        const r = await mailer.send({ to: user.email, messageId, subject: mail.subject, text: mail.text, html: mail.html, headers, ...(attachment ? { attachments: [attachment] } : {}) });
        await finishDelivery(sequelize, claim.row.id, 'sent', { response: r.response });
        return { status: 'sent', messageId };
      } catch (err) {
        const outcome = classifySmtpError(err);
        const text = smtpErrorText(err);
        if (outcome === 'unknown') {
          await finishDelivery(sequelize, claim.row.id, 'unknown', { error: text });
          throw fail('DeliveryOutcomeUnknown', `The connection broke after the message may have been accepted: ${text}`, true);
        }
        await finishDelivery(sequelize, claim.row.id, 'failed', { error: text });
        if (outcome === 'rejected') throw fail('SmtpRejected', `The mail server rejected the message: ${text}`, true);
        throw fail('SmtpUnavailable', `The mail server refused the message for now: ${text}`);
      }
    },

    async discardNotification(input: { event: NotificationEvent; recipientUserId: string; channel?: NotificationChannel }): Promise<void> {
      await discardDelivery(sequelize, deliveryKey(input.event, input.recipientUserId, input.channel ?? 'email'));
    },
  };
}
