/**
 * Many deliveries of one event in one activity (workflows/notificationBatch.ts): the durable unit
 * stays the notification_deliveries row per (event, recipient, channel) with its deterministic
 * Message-ID / SMS reference, but a workflow per message cost ~30 ms of Temporal CPU each.
 *
 * Emails go in chunks over the worker's pooled transport: a chunk's rows are claimed ('sending')
 * in one transaction, sent concurrently, and finished ('sent'/'failed'/'unknown') in one statement.
 * At most LANES chunks per worker process are between claim and finish, so a killed worker leaves
 * at most LANES × chunk rows whose outcome is unknown; those follow the single-delivery rules
 * (in flight → wait, then unknown → dead letter, never sent again on their own). Every finished
 * delivery's outcome is heartbeated, and the rows say what was sent, so a retried attempt sends
 * nothing twice.
 *
 * SMS and in-app deliveries are few per event and go one by one through their single-delivery
 * activities (the Twilio reference lookup, the in-app publish-once).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { NotificationChannel, NotificationEvent } from '../domain/notifications/events.js';
import { ruleOf } from '../domain/notifications/rules.js';
import { renderEmail } from '../domain/notifications/templates.js';
import { parseSwitches } from '../db/repositories/notificationPreferences.js';
import { claimDeliveries, ensureDeliveryRows, finishDeliveries, loadEmailRecipients, type FinishedDelivery } from '../db/repositories/notificationBatches.js';
import type { DeliveryIdentity } from '../db/repositories/notificationDeliveries.js';
import { classifySmtpError, createMailer, smtpErrorText, type Mailer, type OutgoingEmail } from '../integrations/mail/transport.js';
import { keyringOf } from '../platform/crypto.js';
import { unsubscribeToken } from '../platform/unsubscribeToken.js';
import type { ActivityDeps } from './deps.js';
import { createInAppActivities } from './inAppNotifications.js';
import { acquireSendSlot } from './notificationBursts.js';
import { reportAttachment } from './reportAttachment.js';
import { deliveryKey, messageIdFor } from './notifications.js';
import { createSmsActivities } from './smsDelivery.js';

type OutgoingEmailBody = Omit<OutgoingEmail, 'messageId'> & { headers: Record<string, string> };

export interface BatchDelivery {
  recipientUserId: string;
  channel: NotificationChannel;
}

export type BatchOutcome =
  | { status: 'sent' | 'already_sent' | 'skipped' }
  /** `final`: no automatic retry may repeat it; `retryAfterMs`: the provider's or the in-flight window's wait. */
  | { status: 'failed'; type: string; message: string; final: boolean; retryAfterMs?: number };

/** Messages per claimed chunk (capped by the provider rate) and chunks in flight per worker process. */
const CHUNK = 25;
const LANES = 4;
const HEARTBEAT_MS = 2_000;

const failed = (type: string, message: string, final: boolean, retryAfterMs?: number): BatchOutcome => ({ status: 'failed', type, message, final, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

/** Admits at most `n` callers at once, in arrival order. */
function lanes(n: number) {
  let free = n;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (free > 0) free -= 1;
    else await new Promise<void>((r) => waiting.push(r));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    }
  };
}

export function createBatchActivities(deps: ActivityDeps, makeMailer: () => Mailer = () => createMailer(deps.config.mail)) {
  const { sequelize, config } = deps;
  let mailer: Mailer | undefined;
  const inLane = lanes(LANES);
  const sms = createSmsActivities(deps);
  const inApp = createInAppActivities(deps);

  /** The single-delivery activities' failures, as outcomes. */
  async function one(run: () => Promise<{ status: 'sent' | 'already_sent' | 'skipped' }>): Promise<BatchOutcome> {
    try {
      return { status: (await run()).status };
    } catch (err) {
      if (err instanceof ApplicationFailure) {
        const after = typeof err.nextRetryDelay === 'number' ? err.nextRetryDelay : undefined;
        return failed(err.type ?? 'ApplicationFailure', err.message, Boolean(err.nonRetryable), err.type === 'DeliveryInFlight' ? 2 * config.mail.sendTimeoutMs + config.mail.sms.settleMs : after);
      }
      return failed('Error', err instanceof Error ? err.message : String(err), false);
    }
  }

  async function sendEmails(event: NotificationEvent, items: Array<{ index: number; userId: string }>, done: (index: number, o: BatchOutcome) => void): Promise<void> {
    if (!config.mail.host) {
      for (const it of items) done(it.index, failed('MailNotConfigured', 'No SMTP server is configured (SMTP_HOST)', true));
      return;
    }
    const category = ruleOf(event.type).category;
    const users = new Map((await loadEmailRecipients(sequelize, [...new Set(items.map((i) => i.userId))])).map((u) => [u.id, u]));
    const keyring = keyringOf(config);
    const base = config.publicUrl.replace(/\/$/, '');
    const mails: Array<{ index: number; identity: DeliveryIdentity; render: () => OutgoingEmailBody }> = [];
    for (const it of items) {
      const user = users.get(it.userId);
      // Deactivated since the event, or switched off (a click on an earlier email's link).
      if (!user || parseSwitches(user.switches)[category]?.email === false) {
        done(it.index, { status: 'skipped' });
        continue;
      }
      const key = deliveryKey(event, user.id, 'email');
      // A scheduled report's file, when its event says it goes attached; read before any claim.
      const attachment = event.type === 'report.ready' && event.facts.attachment ? await reportAttachment(deps, event.facts.reportId, user.id) : null;
      mails.push({
        index: it.index,
        identity: { deliveryKey: key, eventKey: event.key, eventType: event.type, channel: 'email', recipientUserId: user.id, recipientAddress: user.email, messageId: messageIdFor(key, config.mail.from) },
        render: () => {
          const unsubscribe = `${base}/api/v1/notifications/unsubscribe?token=${encodeURIComponent(unsubscribeToken(keyring, user.id, category))}`;
          const m = renderEmail(event, config.publicUrl, unsubscribe);
          const headers = { 'X-Trellis-Event': event.type, 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
          return { to: user.email, subject: m.subject, text: m.text, html: m.html, headers, ...(attachment ? { attachments: [attachment] } : {}) };
        },
      });
    }
    await ensureDeliveryRows(sequelize, mails.map((m) => m.identity));
    const inFlightMs = 2 * config.mail.sendTimeoutMs;
    const size = Math.max(1, Math.min(CHUNK, config.mail.rate.email));
    const chunks: Array<typeof mails> = [];
    for (let i = 0; i < mails.length; i += size) chunks.push(mails.slice(i, i + size));
    await Promise.all(
      chunks.map((chunk) =>
        inLane(async () => {
          // The rate wait comes before the claim, so it never eats the in-flight window.
          await acquireSendSlot(deps.redis, 'smtp', config.mail.rate.email, chunk.length);
          const claims = await claimDeliveries(sequelize, chunk.map((m) => m.identity.deliveryKey), inFlightMs);
          // Rows are finished as their sends end (group commit: whatever ended during the last
          // write goes in the next), so one slow message does not leave its chunk-mates 'sending'.
          const ended: Array<{ row?: FinishedDelivery; index: number; outcome: BatchOutcome }> = [];
          let writing: Promise<void> | undefined;
          let failure: unknown;
          const write = async () => {
            while (ended.length) {
              const part = ended.splice(0);
              await finishDeliveries(sequelize, part.flatMap((e) => (e.row ? [e.row] : [])));
              // Reported only once the rows say so: a heartbeat never claims more than the database holds.
              for (const e of part) done(e.index, e.outcome);
            }
          };
          const end = (index: number, outcome: BatchOutcome, row?: FinishedDelivery) => {
            ended.push({ index, outcome, ...(row ? { row } : {}) });
            writing ??= write()
              .catch((err: unknown) => void (failure ??= err))
              .finally(() => (writing = undefined));
          };
          await Promise.all(
            chunk.map(async (m) => {
              const claim = claims.get(m.identity.deliveryKey);
              if (!claim) return end(m.index, failed('Error', 'delivery row vanished', false));
              if (claim.kind === 'already_sent') return end(m.index, { status: 'already_sent' });
              if (claim.kind === 'in_flight') return end(m.index, failed('DeliveryInFlight', 'An earlier attempt may still be sending this message', false, claim.remainingMs + 500));
              if (claim.kind === 'unknown') {
                return end(m.index, failed('DeliveryOutcomeUnknown', 'An earlier attempt stopped after the message may have been accepted; not sent again automatically', true));
              }
              try {
                mailer ??= makeMailer();
                const r = await mailer.send({ ...m.render(), messageId: m.identity.messageId });
                end(m.index, { status: 'sent' }, { id: claim.id, status: 'sent', response: r.response });
              } catch (err) {
                const outcome = classifySmtpError(err);
                const text = smtpErrorText(err);
                if (outcome === 'unknown') {
                  end(m.index, failed('DeliveryOutcomeUnknown', `The connection broke after the message may have been accepted: ${text}`, true), { id: claim.id, status: 'unknown', error: text });
                } else {
                  const f = outcome === 'rejected' ? failed('SmtpRejected', `The mail server rejected the message: ${text}`, true) : failed('SmtpUnavailable', `The mail server refused the message for now: ${text}`, false);
                  end(m.index, f, { id: claim.id, status: 'failed', error: text });
                }
              }
            }),
          );
          // A write may still run, and an end that came as one finished waits for the next.
          while (writing) await writing;
          await write();
          if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
        }),
      ),
    );
  }

  return {
    /**
     * Delivers `deliveries` of `event` once each and answers one outcome per delivery, in order.
     * Failures are answers, not throws: the workflow retries or dead-letters each on its own.
     */
    async deliverBatch(input: { event: NotificationEvent; deliveries: BatchDelivery[] }): Promise<BatchOutcome[]> {
      const ctx = Context.current();
      const previous = (ctx.info.heartbeatDetails as { outcomes?: Record<number, BatchOutcome> } | undefined)?.outcomes ?? {};
      const outcomes: Record<number, BatchOutcome> = { ...previous };
      const beat = setInterval(() => ctx.heartbeat({ outcomes }), HEARTBEAT_MS);
      try {
        const todo = input.deliveries.map((d, index) => ({ ...d, index })).filter((d) => !outcomes[d.index]);
        const emails = todo.filter((d) => d.channel === 'email').map((d) => ({ index: d.index, userId: d.recipientUserId }));
        const record = (index: number, o: BatchOutcome) => void (outcomes[index] = o);
        await Promise.all([
          sendEmails(input.event, emails, record),
          (async () => {
            for (const d of todo.filter((x) => x.channel === 'in_app')) record(d.index, await one(() => inApp.deliverInApp({ event: input.event, recipientUserId: d.recipientUserId })));
          })(),
          (async () => {
            for (const d of todo.filter((x) => x.channel === 'sms')) record(d.index, await one(() => sms.deliverSms({ event: input.event, recipientUserId: d.recipientUserId })));
          })(),
        ]);
        return input.deliveries.map((_, i) => outcomes[i] ?? failed('Error', 'no outcome recorded', false));
      } finally {
        clearInterval(beat);
      }
    },
  };
}
