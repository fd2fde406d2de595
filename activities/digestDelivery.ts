/**
 * The digest email (issue 16, no storms): one message listing a recipient's events of one
 * category, on the same notification_deliveries discipline as single emails (claimed 'sending'
 * before the SMTP conversation, 'sent' after; an unknown outcome is not sent again on its own).
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { renderDigest } from '../domain/notifications/digest.js';
import type { NotificationEvent } from '../domain/notifications/events.js';
import type { NotificationCategory } from '../domain/notifications/rules.js';
import { claimDelivery, finishDelivery } from '../db/repositories/notificationDeliveries.js';
import { loadPreferences } from '../db/repositories/notificationPreferences.js';
import { activeUser } from '../db/repositories/notificationRecipients.js';
import { classifySmtpError, createMailer, smtpErrorText, type Mailer } from '../integrations/mail/transport.js';
import { keyringOf } from '../platform/crypto.js';
import { unsubscribeToken } from '../platform/unsubscribeToken.js';
import type { ActivityDeps } from './deps.js';
import { acquireSendSlot } from './notificationBursts.js';
import { messageIdFor } from './notifications.js';

const fail = (type: string, message: string, nonRetryable = false) => ApplicationFailure.create({ type, message, nonRetryable });

export interface DigestInput {
  recipientUserId: string;
  category: NotificationCategory;
  events: NotificationEvent[];
  total: number;
  /** workflow id, run id and round: the digest's identity, so a retried send is the same message. */
  digestKey: string;
  /** A person's retry from the dead-letter view: send even after an unknown outcome. */
  resendUnknown?: boolean;
}

export function createDigestActivities(deps: ActivityDeps, makeMailer: () => Mailer = () => createMailer(deps.config.mail)) {
  const { sequelize, config } = deps;
  let mailer: Mailer | undefined;
  return {
    async deliverDigest(input: DigestInput): Promise<{ status: 'sent' | 'already_sent' | 'skipped' }> {
      if (!config.mail.host) throw fail('MailNotConfigured', 'No SMTP server is configured (SMTP_HOST)', true);
      const user = await activeUser(sequelize, input.recipientUserId);
      if (!user) return { status: 'skipped' };
      if ((await loadPreferences(sequelize, input.recipientUserId)).switches[input.category]?.email === false) return { status: 'skipped' };
      const key = createHash('sha256').update(`digest|${input.digestKey}`).digest('hex');
      const messageId = messageIdFor(key, config.mail.from);
      await acquireSendSlot(deps.redis, 'smtp', config.mail.rate.email);
      const claim = await claimDelivery(
        sequelize,
        { deliveryKey: key, eventKey: input.digestKey.slice(0, 200), eventType: `digest.${input.category}`, channel: 'email', recipientUserId: input.recipientUserId, recipientAddress: user.email, messageId },
        2 * config.mail.sendTimeoutMs,
        input.resendUnknown ?? false,
      );
      if (claim.kind === 'already_sent') return { status: 'already_sent' };
      if (claim.kind === 'in_flight') throw fail('DeliveryInFlight', 'An earlier attempt may still be sending this digest');
      if (claim.kind === 'unknown') throw fail('DeliveryOutcomeUnknown', 'An earlier attempt stopped after the digest may have been accepted; not sent again automatically', true);
      const token = unsubscribeToken(keyringOf(config), input.recipientUserId, input.category);
      const unsubscribe = `${config.publicUrl.replace(/\/$/, '')}/api/v1/notifications/unsubscribe?token=${encodeURIComponent(token)}`;
      const mail = renderDigest(input.category, input.events, input.total, config.publicUrl, unsubscribe);
      try {
        mailer ??= makeMailer();
        const headers = { 'X-Trellis-Event': `digest.${input.category}`, 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
        const r = await mailer.send({ to: user.email, messageId, subject: mail.subject, text: mail.text, html: mail.html, headers });
        await finishDelivery(sequelize, claim.row.id, 'sent', { response: r.response });
        return { status: 'sent' };
      } catch (err) {
        const outcome = classifySmtpError(err);
        const text = smtpErrorText(err);
        await finishDelivery(sequelize, claim.row.id, outcome === 'unknown' ? 'unknown' : 'failed', { error: text });
        if (outcome === 'unknown') throw fail('DeliveryOutcomeUnknown', `The connection broke after the digest may have been accepted: ${text}`, true);
        if (outcome === 'rejected') throw fail('SmtpRejected', `The mail server rejected the digest: ${text}`, true);
        throw fail('SmtpUnavailable', `The mail server refused the digest for now: ${text}`);
      }
    },
  };
}
