/**
 * notification_deliveries: one row per (event, recipient, channel), keyed by a hash of the three.
 * The claim runs in a transaction holding the row lock, so two attempts (a retry racing a worker
 * presumed dead) cannot both move it to 'sending'.
 */
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown' | 'discarded';

export interface DeliveryRow {
  id: string;
  status: DeliveryStatus;
  attempts: number;
  sending_since: Date | null;
  message_id: string;
}

export interface DeliveryIdentity {
  deliveryKey: string;
  eventKey: string;
  eventType: string;
  channel: string;
  recipientUserId: string | null;
  recipientAddress: string;
  messageId: string;
}

export type Claim =
  | { kind: 'send'; row: DeliveryRow }
  | { kind: 'already_sent'; row: DeliveryRow }
  | { kind: 'in_flight'; row: DeliveryRow }
  | { kind: 'unknown'; row: DeliveryRow };

/**
 * Decides whether this attempt may send. `inFlightMs`: how long a 'sending' row may belong to an
 * attempt that is still running; `resendUnknown`: a person chose to send again after an unknown outcome.
 */
export async function claimDelivery(sequelize: Sequelize, d: DeliveryIdentity, inFlightMs: number, resendUnknown: boolean): Promise<Claim> {
  await sequelize.query(
    `INSERT IGNORE INTO notification_deliveries (id, delivery_key, event_key, event_type, channel, recipient_user_id, recipient_address, message_id, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
    { replacements: [randomUUID(), d.deliveryKey, d.eventKey.slice(0, 200), d.eventType, d.channel, d.recipientUserId, d.recipientAddress, d.messageId] },
  );
  return sequelize.transaction(async (transaction) => {
    const [row] = await sequelize.query<DeliveryRow & { age_ms: number | null }>(
      `SELECT id, status, attempts, sending_since, message_id, TIMESTAMPDIFF(MICROSECOND, sending_since, CURRENT_TIMESTAMP(3)) / 1000 AS age_ms
         FROM notification_deliveries WHERE delivery_key = ? FOR UPDATE`,
      { replacements: [d.deliveryKey], type: QueryTypes.SELECT, transaction },
    );
    if (!row) throw new Error('delivery row vanished');
    const r: DeliveryRow = { id: row.id, status: row.status, attempts: Number(row.attempts), sending_since: row.sending_since, message_id: row.message_id };
    if (r.status === 'sent') return { kind: 'already_sent', row: r };
    if (r.status === 'sending' && (row.age_ms === null || Number(row.age_ms) < inFlightMs)) return { kind: 'in_flight', row: r };
    if ((r.status === 'sending' || r.status === 'unknown') && !resendUnknown) {
      await sequelize.query(`UPDATE notification_deliveries SET status = 'unknown', updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?`, { replacements: [r.id], transaction });
      return { kind: 'unknown', row: { ...r, status: 'unknown' } };
    }
    await sequelize.query(
      `UPDATE notification_deliveries SET status = 'sending', attempts = attempts + 1, sending_since = CURRENT_TIMESTAMP(3), updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?`,
      { replacements: [r.id], transaction },
    );
    return { kind: 'send', row: { ...r, status: 'sending', attempts: r.attempts + 1 } };
  });
}

export async function finishDelivery(sequelize: Sequelize, id: string, status: 'sent' | 'failed' | 'unknown' | 'discarded', detail: { response?: string; error?: string } = {}): Promise<void> {
  await sequelize.query(
    `UPDATE notification_deliveries SET status = ?, sent_at = IF(? = 'sent', CURRENT_TIMESTAMP(3), sent_at), provider_response = COALESCE(?, provider_response),
       last_error = COALESCE(?, last_error), updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?`,
    { replacements: [status, status, detail.response?.slice(0, 500) ?? null, detail.error?.slice(0, 1000) ?? null, id] },
  );
}

/** Discarding from the dead-letter view closes the row unless it was sent meanwhile. */
export async function discardDelivery(sequelize: Sequelize, deliveryKey: string): Promise<void> {
  await sequelize.query(`UPDATE notification_deliveries SET status = 'discarded', updated_at = CURRENT_TIMESTAMP(3) WHERE delivery_key = ? AND status <> 'sent'`, {
    replacements: [deliveryKey],
  });
}
