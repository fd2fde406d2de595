import { randomUUID } from 'node:crypto';
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ForeignKeyConstraintError, QueryTypes, UniqueConstraintError, type Transaction } from 'sequelize';
import type { Redis } from 'ioredis';
import { checkFulfilmentLines, type FulfilmentLine } from '../domain/orders/fulfilment.js';
import type { MetrcState, OrderStatus } from '../domain/orders/status.js';
import type { ActivityDeps } from './deps.js';
import { insertAuditRow } from '../db/auditLog.js';

/** Status reached → audit action: the verb the audit trail names for each transition. */
const AUDIT_ACTION: Record<OrderStatus, string | null> = {
  submitted: null,
  accepted: 'order.accepted',
  rejected: 'order.rejected',
  fulfilled: 'order.fulfilled',
  shipped: 'order.shipped',
  delivered: 'order.delivered',
  completed: 'order.completed',
  cancelled: 'order.cancelled',
  expired: 'order.expired',
};

/** The realtime layer reads this stream (see api/ realtime). */
export const EVENTS_STREAM = 'trellis:events';
const STREAM_MAXLEN = 100_000;
const PUBLISHED_TTL_S = 7 * 24 * 3600;

/** Who did it, as recorded on the timeline (never credentials). */
export interface ActorRef {
  kind: string;
  id: string;
  role: string;
  label?: string;
}

export type OrderEventType = 'status_changed' | 'metrc_status' | 'reminder_sent';

export interface OrderEventInput {
  orderId: string;
  /** The workflow's event counter: makes the row key stable across activity retries. */
  seq: number;
  type: OrderEventType;
  actor: ActorRef;
  /** Workflow time of the event (deterministic, so a retry writes the same instant). */
  at: string;
  from?: OrderStatus;
  to?: OrderStatus;
  reason?: string | null;
  /** Fulfilment: the METRC package each line ships from (written with the status change). */
  labels?: FulfilmentLine[];
  complianceOverride?: boolean;
  /** The HTTP request behind a person's transition, so its audit row says where it came from. */
  origin?: { requestId?: string; ip?: string };
  metrc?: { state: MetrcState; manifestNumber?: string; templateId?: number; detail?: string };
  detail?: Record<string, unknown>;
}

export interface RecordResult {
  recorded: boolean;
  published: boolean;
}

// SET NX guards XADD in one atomic step: an event is appended to the stream once, however often
// the activity that publishes it is retried.
const PUBLISH_ONCE = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
end
return false`;

export const eventKey = (orderId: string, seq: number) => `${orderId}:${seq}`;

async function publishOnce(redis: Redis, key: string, fields: Record<string, string>): Promise<boolean> {
  const flat = Object.entries(fields).flat();
  const res = await redis.eval(PUBLISH_ONCE, 2, `trellis:published:${key}`, EVENTS_STREAM, PUBLISHED_TTL_S, STREAM_MAXLEN, ...flat);
  return res !== null;
}

const nonRetryable = (type: string, message: string, details?: unknown) =>
  ApplicationFailure.create({ type, message, nonRetryable: true, ...(details ? { details: [details] } : {}) });

export function createOrderActivities({ sequelize, redis }: Pick<ActivityDeps, 'sequelize' | 'redis'>) {
  async function applyLabels(orderId: string, labels: FulfilmentLine[], transaction: Transaction) {
    const items = await sequelize.query<{ id: string }>('SELECT id FROM order_items WHERE order_id = ?', {
      replacements: [orderId],
      transaction,
      type: QueryTypes.SELECT,
    });
    const problems = checkFulfilmentLines(
      items.map((i) => i.id),
      labels,
    );
    if (problems.length) throw nonRetryable('ValidationError', 'Every line needs exactly one METRC package label', { problems });
    for (const l of labels) {
      await sequelize.query('UPDATE order_items SET metrc_package_label = ? WHERE id = ? AND order_id = ?', {
        replacements: [l.metrc_package_label, l.item_id, orderId],
        transaction,
      });
    }
  }

  /**
   * The audit row of a status change, in the transaction that writes it: the timeline row's unique
   * key rolls a retried attempt back whole, so each transition is audited exactly once.
   */
  async function auditTransition(input: OrderEventInput, order: { order_number: string; retailer_id: string; wholesaler_id: string }, transaction: Transaction) {
    const action = input.to ? AUDIT_ACTION[input.to] : null;
    if (!action) return;
    const summary = { order_number: order.order_number, from: input.from ?? null, to: input.to, reason: input.reason?.slice(0, 200) ?? null };
    const rows: Array<[string, Record<string, unknown>]> = [[action, summary]];
    if (input.complianceOverride) rows.push(['order.compliance_override', { ...summary, wholesaler_id: order.wholesaler_id }]);
    for (const [action, summary] of rows) {
      await insertAuditRow(
        sequelize,
        {
          actorType: input.actor.kind,
          actorId: input.actor.id,
          actorLabel: input.actor.label ?? null,
          entityId: order.retailer_id,
          action,
          targetType: 'order',
          targetId: input.orderId,
          summary,
          requestId: input.origin?.requestId ?? null,
          ip: input.origin?.ip ?? null,
        },
        transaction,
      );
    }
  }

  return {
    /**
     * Writes one step of an order to the read model: the `orders` row (status, version, METRC
     * state), a timeline row in `order_events`, then an entry on the Redis stream. The timeline
     * row's unique key makes the database part exactly-once; the guarded XADD does the same for
     * the stream.
     */
    async recordOrderEvent(input: OrderEventInput): Promise<RecordResult> {
      const key = eventKey(input.orderId, input.seq);
      let recorded = false;
      let order: { order_number: string; retailer_id: string; wholesaler_id: string; status: string; metrc_state: string } | undefined;
      try {
        order = await sequelize.transaction(async (transaction) => {
          await sequelize.query(
            `INSERT INTO order_events (id, order_id, event_key, seq, type, from_status, to_status, actor_kind, actor_id, actor_role, actor_label, reason, detail, occurred_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            {
              replacements: [
                randomUUID(), input.orderId, key, input.seq, input.type, input.from ?? null, input.to ?? null,
                input.actor.kind, input.actor.id.slice(0, 64), input.actor.role, input.actor.label?.slice(0, 200) ?? null,
                input.reason?.slice(0, 1000) ?? null,
                input.metrc || input.detail || input.complianceOverride ? JSON.stringify({ ...input.detail, ...(input.metrc ? { metrc: input.metrc } : {}), ...(input.complianceOverride ? { compliance_override: true } : {}) }) : null,
                new Date(input.at),
              ],
              transaction,
            },
          );
          if (input.labels) await applyLabels(input.orderId, input.labels, transaction);
          const sets: string[] = ['version = version + 1', 'updated_at = CURRENT_TIMESTAMP(3)'];
          const values: unknown[] = [];
          if (input.to) {
            sets.push('status = ?');
            values.push(input.to);
          }
          if (input.complianceOverride) {
            sets.push('compliance_override_reason = ?');
            values.push(input.reason?.slice(0, 1000) ?? null);
          }
          if (input.metrc) {
            sets.push('metrc_state = ?', 'metrc_manifest_number = COALESCE(?, metrc_manifest_number)', 'metrc_template_id = COALESCE(?, metrc_template_id)', 'metrc_detail = ?');
            values.push(input.metrc.state, input.metrc.manifestNumber ?? null, input.metrc.templateId ?? null, input.metrc.detail?.slice(0, 1000) ?? null);
          }
          // A reminder is timeline-only: the order itself does not change.
          if (input.type !== 'reminder_sent') {
            await sequelize.query(`UPDATE orders SET ${sets.join(', ')} WHERE id = ?`, { replacements: [...values, input.orderId], transaction });
          }
          const [row] = await sequelize.query<NonNullable<typeof order>>(
            'SELECT order_number, retailer_id, wholesaler_id, status, metrc_state FROM orders WHERE id = ?',
            { replacements: [input.orderId], transaction, type: QueryTypes.SELECT },
          );
          if (row && input.type === 'status_changed' && input.to) await auditTransition(input, row, transaction);
          return row;
        });
        recorded = true;
      } catch (err) {
        if (err instanceof ForeignKeyConstraintError) throw nonRetryable('NotFound', `Order ${input.orderId} not found`);
        if (!(err instanceof UniqueConstraintError)) throw err;
        // An earlier attempt committed this event; only the publish may still be missing.
        const [row] = await sequelize.query<NonNullable<typeof order>>(
          'SELECT order_number, retailer_id, wholesaler_id, status, metrc_state FROM orders WHERE id = ?',
          { replacements: [input.orderId], type: QueryTypes.SELECT },
        );
        order = row;
      }
      if (!order) throw nonRetryable('NotFound', `Order ${input.orderId} not found`);
      await redis.incr('trellis:ver:orders').catch(() => undefined);

      const fields: Record<string, string> = {
        type: input.type === 'status_changed' ? 'order.status_changed' : input.type === 'metrc_status' ? 'order.metrc_status' : 'order.reminder_sent',
        order_id: input.orderId,
        order_number: order.order_number,
        retailer_id: order.retailer_id,
        wholesaler_id: order.wholesaler_id,
        status: input.to ?? order.status,
        event_id: key,
        occurred_at: input.at,
        actor_role: input.actor.role,
      };
      if (input.from) fields.from = input.from;
      if (input.reason) fields.reason = input.reason.slice(0, 1000);
      if (input.metrc) {
        fields.metrc_state = input.metrc.state;
        if (input.metrc.manifestNumber) fields.manifest_number = input.metrc.manifestNumber;
      }
      let published = false;
      try {
        await publishOnce(redis, key, fields);
        published = true;
        await sequelize.query('UPDATE order_events SET published_at = CURRENT_TIMESTAMP(3) WHERE event_key = ? AND published_at IS NULL', { replacements: [key] });
      } catch (err) {
        // The database row is the truth; a missing stream entry only delays live updates.
        log.warn('order event not published to the stream', { key, error: String(err) });
      }
      return { recorded, published };
    },

    /**
     * Reminder that an order waits for acceptance (runs on the notifications queue). No SMS or
     * e-mail provider is wired yet: the reminder is logged and kept on the order's timeline.
     */
    async notifyOrderReminder(input: { orderId: string; orderNumber: string; seq: number; at: string; deadline: string; recipientEntityId: string }): Promise<{ sent: boolean }> {
      log.info('order acceptance reminder', { orderNumber: input.orderNumber, recipient: input.recipientEntityId, deadline: input.deadline });
      const activities = createOrderActivities({ sequelize, redis });
      const r = await activities.recordOrderEvent({
        orderId: input.orderId,
        seq: input.seq,
        type: 'reminder_sent',
        actor: { kind: 'system', id: 'system', role: 'system', label: 'order reminder' },
        at: input.at,
        detail: { recipient_entity_id: input.recipientEntityId, deadline: input.deadline, channel: 'log' },
      });
      return { sent: r.recorded };
    },
  };
}
