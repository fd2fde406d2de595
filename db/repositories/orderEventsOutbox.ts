import { QueryTypes, type Sequelize } from 'sequelize';

/**
 * The order timeline as an outbox: a row whose stream write failed keeps `published_at` NULL
 * (activities/orders.ts) until the relay (worker/orderEventsRelay.ts) publishes it.
 */
export interface UnpublishedOrderEvent {
  event_key: string;
  order_id: string;
  type: string;
  from_status: string | null;
  to_status: string | null;
  actor_role: string;
  reason: string | null;
  detail: unknown;
  occurred_at: Date;
  order_number: string;
  retailer_id: string;
  wholesaler_id: string;
  status: string;
}

/** Oldest first; seq 0 (the placement) reaches listeners through the API's answer, not the stream. */
export function unpublishedOrderEvents(sequelize: Sequelize, limit: number): Promise<UnpublishedOrderEvent[]> {
  return sequelize.query<UnpublishedOrderEvent>(
    `SELECT e.event_key, e.order_id, e.type, e.from_status, e.to_status, e.actor_role, e.reason, e.detail, e.occurred_at,
            o.order_number, o.retailer_id, o.wholesaler_id, o.status
       FROM order_events e JOIN orders o ON o.id = e.order_id
      WHERE e.published_at IS NULL AND e.seq > 0
      ORDER BY e.occurred_at, e.seq LIMIT ?`,
    { replacements: [limit], type: QueryTypes.SELECT },
  );
}

export async function markOrderEventsPublished(sequelize: Sequelize, keys: string[]): Promise<void> {
  if (!keys.length) return;
  await sequelize.query('UPDATE order_events SET published_at = CURRENT_TIMESTAMP(3) WHERE event_key IN (?) AND published_at IS NULL', { replacements: [keys] });
}
