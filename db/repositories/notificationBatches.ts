/**
 * notification_deliveries, many rows at a time (activities/notificationBatch.ts). The rows keep
 * the single-delivery discipline of db/repositories/notificationDeliveries.ts ('sending' before the send,
 * 'sent' after it, a row lock deciding who may send), but a chunk of rows is claimed and finished
 * in one transaction each, so a batch costs a few round trips per chunk instead of per message.
 */
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { DeliveryIdentity } from './notificationDeliveries.js';

export interface EmailRecipientRow {
  id: string;
  email: string;
  switches: string | null;
}

/** Active users among `ids` with their email and channel switches (the rest were deactivated since the event). */
export async function loadEmailRecipients(sequelize: Sequelize, ids: string[]): Promise<EmailRecipientRow[]> {
  if (!ids.length) return [];
  return sequelize.query<EmailRecipientRow>(
    `SELECT u.id, u.email, p.switches FROM users u LEFT JOIN notification_preferences p ON p.user_id = u.id
      WHERE u.id IN (?) AND u.disabled_at IS NULL`,
    { replacements: [ids], type: QueryTypes.SELECT },
  );
}

/** One 'pending' row per identity unless it exists (a retried batch, or a single delivery of the same key). */
export async function ensureDeliveryRows(sequelize: Sequelize, rows: DeliveryIdentity[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const part = rows.slice(i, i + 500);
    await sequelize.query(
      `INSERT IGNORE INTO notification_deliveries (id, delivery_key, event_key, event_type, channel, recipient_user_id, recipient_address, message_id, status)
       VALUES ${part.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, 'pending')").join(', ')}`,
      { replacements: part.flatMap((d) => [randomUUID(), d.deliveryKey, d.eventKey.slice(0, 200), d.eventType, d.channel, d.recipientUserId, d.recipientAddress, d.messageId]) },
    );
  }
}

export type BatchClaim =
  | { kind: 'send'; id: string }
  | { kind: 'already_sent'; id: string }
  | { kind: 'in_flight'; id: string; remainingMs: number }
  | { kind: 'unknown'; id: string };

/**
 * Decides, under the rows' locks, which of `keys` this attempt may send (the same rules as
 * claimDelivery without resendUnknown): sent → already_sent; 'sending' younger than `inFlightMs`
 * → in_flight; 'sending'/'unknown' older → unknown (never sent again automatically); the rest →
 * 'sending' now, attempts + 1. Keys are locked in sorted order so two chunks cannot deadlock.
 */
export async function claimDeliveries(sequelize: Sequelize, keys: string[], inFlightMs: number): Promise<Map<string, BatchClaim>> {
  const out = new Map<string, BatchClaim>();
  if (!keys.length) return out;
  return sequelize.transaction(async (transaction) => {
    const rows = await sequelize.query<{ id: string; delivery_key: string; status: string; age_ms: number | null }>(
      `SELECT id, delivery_key, status, TIMESTAMPDIFF(MICROSECOND, sending_since, CURRENT_TIMESTAMP(3)) / 1000 AS age_ms
         FROM notification_deliveries WHERE delivery_key IN (?) ORDER BY delivery_key FOR UPDATE`,
      { replacements: [[...keys].sort()], type: QueryTypes.SELECT, transaction },
    );
    const toSend: string[] = [];
    const toUnknown: string[] = [];
    for (const r of rows) {
      const age = r.age_ms === null ? null : Number(r.age_ms);
      if (r.status === 'sent') out.set(r.delivery_key, { kind: 'already_sent', id: r.id });
      else if (r.status === 'sending' && (age === null || age < inFlightMs)) out.set(r.delivery_key, { kind: 'in_flight', id: r.id, remainingMs: Math.max(0, inFlightMs - (age ?? 0)) });
      else if (r.status === 'sending' || r.status === 'unknown') {
        toUnknown.push(r.id);
        out.set(r.delivery_key, { kind: 'unknown', id: r.id });
      } else if (r.status === 'discarded') out.set(r.delivery_key, { kind: 'already_sent', id: r.id });
      else {
        toSend.push(r.id);
        out.set(r.delivery_key, { kind: 'send', id: r.id });
      }
    }
    if (toUnknown.length) {
      await sequelize.query(`UPDATE notification_deliveries SET status = 'unknown', updated_at = CURRENT_TIMESTAMP(3) WHERE id IN (?)`, { replacements: [toUnknown], transaction });
    }
    if (toSend.length) {
      await sequelize.query(
        `UPDATE notification_deliveries SET status = 'sending', attempts = attempts + 1, sending_since = CURRENT_TIMESTAMP(3), updated_at = CURRENT_TIMESTAMP(3) WHERE id IN (?)`,
        { replacements: [toSend], transaction },
      );
    }
    return out;
  });
}

export interface FinishedDelivery {
  id: string;
  status: 'sent' | 'failed' | 'unknown';
  response?: string;
  error?: string;
}

/** Records the outcomes of a chunk in one statement (what finishDelivery does for one row). */
export async function finishDeliveries(sequelize: Sequelize, done: FinishedDelivery[]): Promise<void> {
  if (!done.length) return;
  // One CASE per column, each with its own (id, value) pairs; sent_at from the new status, not the column (assignment order is sql_mode dependent).
  const whenThen = `CASE id ${done.map(() => 'WHEN ? THEN ?').join(' ')} END`;
  const pairs = (pick: (d: FinishedDelivery) => string | null) => done.flatMap((d) => [d.id, pick(d)]);
  await sequelize.query(
    `UPDATE notification_deliveries SET
        sent_at = IF(${whenThen} = 'sent', CURRENT_TIMESTAMP(3), sent_at),
        status = ${whenThen},
        provider_response = COALESCE(${whenThen}, provider_response),
        last_error = COALESCE(${whenThen}, last_error),
        updated_at = CURRENT_TIMESTAMP(3)
      WHERE id IN (?)`,
    {
      replacements: [
        ...pairs((d) => d.status),
        ...pairs((d) => d.status),
        ...pairs((d) => d.response?.slice(0, 500) ?? null),
        ...pairs((d) => d.error?.slice(0, 1000) ?? null),
        done.map((d) => d.id),
      ],
    },
  );
}
