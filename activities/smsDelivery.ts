/**
 * SMS delivery (issue 16): one message per (event, recipient) through Twilio, on the same
 * notification_deliveries row discipline as email ('sending' before, 'sent' after). Unlike SMTP,
 * Twilio can be asked what it has, so a lost answer is resolved instead of dead-lettered: the
 * message carries a client reference, and after the settle window (Twilio creates a message
 * before it answers) the attempt looks it up by recipient and reference; found = sent, not found =
 * nothing was created and sending again is safe.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { NotificationEvent } from '../domain/notifications/events.js';
import { renderEmail } from '../domain/notifications/templates.js';
import { claimDelivery, finishDelivery } from '../db/repositories/notificationDeliveries.js';
import { loadPreferences } from '../db/repositories/notificationPreferences.js';
import { activeUserPhone } from '../db/repositories/notificationRecipients.js';
import { inQuietHours } from '../domain/notifications/preferences.js';
import { ruleOf } from '../domain/notifications/rules.js';
import { createTwilioClient, referenceTag, TwilioError, type TwilioClient } from '../integrations/sms/twilio.js';
import type { ActivityDeps } from './deps.js';
import { acquireSendSlot } from './notificationBursts.js';
import { deliveryKey } from './notifications.js';

const fail = (type: string, message: string, nonRetryable = false, nextRetryDelay?: number) =>
  ApplicationFailure.create({ type, message, nonRetryable, ...(nextRetryDelay ? { nextRetryDelay } : {}) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createSmsActivities(deps: ActivityDeps) {
  const { sequelize, config } = deps;
  const sms = config.mail.sms;
  let client: TwilioClient | undefined;
  const twilio = () => (client ??= createTwilioClient({ baseUrl: sms.baseUrl, accountSid: sms.accountSid, authToken: sms.authToken, from: sms.from, timeoutMs: config.mail.sendTimeoutMs }));

  return {
    async deliverSms(input: { event: NotificationEvent; recipientUserId: string; resendUnknown?: boolean }): Promise<{ status: 'sent' | 'already_sent' | 'skipped'; messageId?: string }> {
      if (!sms.baseUrl) throw fail('SmsNotConfigured', 'No SMS provider is configured (TWILIO_BASE_URL)', true);
      const phone = await activeUserPhone(sequelize, input.recipientUserId);
      if (!phone) return { status: 'skipped' }; // no number (any more), or deactivated
      // Quiet hours skip the text, not the event: the same event also went by email (always
      // delivered unless switched off) and to the console. Checked at send time, in the user's zone.
      const prefs = await loadPreferences(sequelize, input.recipientUserId);
      if (prefs.switches[ruleOf(input.event.type).category]?.sms === false || inQuietHours(prefs, new Date())) return { status: 'skipped' };
      await acquireSendSlot(deps.redis, 'twilio', config.mail.rate.sms); // before the claim: waiting must not eat the in-flight window
      const key = deliveryKey(input.event, input.recipientUserId, 'sms');
      const ref = key.slice(0, 8);
      const identity = { deliveryKey: key, eventKey: input.event.key, eventType: input.event.type, channel: 'sms', recipientUserId: input.recipientUserId, recipientAddress: phone, messageId: `sms:${ref}` };
      let claim = await claimDelivery(sequelize, identity, 2 * config.mail.sendTimeoutMs + sms.settleMs, input.resendUnknown ?? false);
      if (claim.kind === 'already_sent') return { status: 'already_sent', messageId: identity.messageId };
      if (claim.kind === 'in_flight') throw fail('DeliveryInFlight', 'An earlier attempt may still be sending this message');
      if (claim.kind === 'unknown') {
        // An earlier attempt died mid-send: Twilio knows whether it created the message.
        const found = await twilio().findByReference(phone, ref, new Date(Date.now() - 86_400_000));
        if (found) {
          await finishDelivery(sequelize, claim.row.id, 'sent', { response: found.sid });
          return { status: 'sent', messageId: identity.messageId };
        }
        claim = await claimDelivery(sequelize, identity, 0, true);
        if (claim.kind !== 'send') throw fail('DeliveryInFlight', 'Another attempt took this message over');
      }
      const mail = renderEmail(input.event, config.publicUrl);
      const body = `Trellis: ${mail.subject} ${mail.link} ${referenceTag(ref)}`;
      const since = new Date(Date.now() - 86_400_000);
      try {
        const sent = await twilio().send(phone, body);
        await finishDelivery(sequelize, claim.row.id, 'sent', { response: sent.sid });
        return { status: 'sent', messageId: identity.messageId };
      } catch (err) {
        const e = err instanceof TwilioError ? err : new TwilioError(String(err), 'unknown');
        if (e.outcome === 'unknown') {
          await sleep(sms.settleMs);
          const found = await twilio().findByReference(phone, ref, since);
          if (found) {
            await finishDelivery(sequelize, claim.row.id, 'sent', { response: found.sid });
            return { status: 'sent', messageId: identity.messageId };
          }
        }
        await finishDelivery(sequelize, claim.row.id, 'failed', { error: e.message });
        if (e.outcome === 'rejected') throw fail('SmsRejected', e.message, true);
        throw fail('SmsUnavailable', e.message, false, e.retryAfterMs);
      }
    },
  };
}
