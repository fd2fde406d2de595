import { randomUUID } from 'node:crypto';
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ForeignKeyConstraintError, QueryTypes, UniqueConstraintError, type Transaction } from 'sequelize';
import type { Redis } from 'ioredis';
import { checkFulfilmentLines, type FulfilmentLine } from '../domain/orders/fulfilment.js';
import { METRC_PENDING_STATES, type MetrcState, type OrderStatus } from '../domain/orders/status.js';
import type { ActivityDeps } from './deps.js';
import { auditRowStatement, insertAuditRow, type AuditRow } from '../db/auditLog.js';
import { sqlDateTime, type AtomicWriter, type Statement } from '../db/atomicWrite.js';
import { bumpVersion, versionKey } from '../platform/cacheVersions.js';
import { consumeHoldsIn, reserveIn, retryingDeadlocks } from './inventory.js';
import { logger } from '../platform/logger.js';

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
  /**
   * What the workflow knows of its order (number, parties, status after this event). With it the
   * step is written in one round trip with nothing read back (a fulfilment reads the lines
   * first, to check its labels); without it (older workflows, reminders) the row is read inside a
   * transaction as before.
   */
  order?: { number: string; retailerId: string; wholesalerId: string; status: OrderStatus };
  /**
   * A stock change that commits together with this step (needs `order` and the atomic writer):
   * `reserve` with accepting (all lines or none: InsufficientStock writes nothing), `ship` with
   * shipping. A retry finds the work done and writes nothing twice.
   */
  stock?: 'reserve' | 'ship';
}

export interface RecordResult {
  recorded: boolean;
  published: boolean;
}

// SET NX guards XADD in one atomic step: an event is appended to the stream once, however often
// the activity that publishes it is retried.
/**
 * One round trip per step: bump the orders cache version (list pages and totals go stale), then
 * append to the stream unless this event was appended before (a retried attempt). Defined as a
 * command so ioredis sends it by SHA, not as script text each time.
 */
const PUBLISH_STEP = `
redis.call('INCR', KEYS[3])
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
end
return false`;

export const eventKey = (orderId: string, seq: number) => `${orderId}:${seq}`;

type WithPublishStep = Redis & { trellisPublishStep(...args: Array<string | number>): Promise<string | null> };

async function publishStep(redis: Redis, key: string, fields: Record<string, string>): Promise<void> {
  const r = redis as WithPublishStep;
  if (typeof r.trellisPublishStep !== 'function') redis.defineCommand('trellisPublishStep', { numberOfKeys: 3, lua: PUBLISH_STEP });
  await r.trellisPublishStep(`trellis:published:${key}`, EVENTS_STREAM, versionKey('orders'), PUBLISHED_TTL_S, STREAM_MAXLEN, ...Object.entries(fields).flat());
}

/** The activity's logger when running as one, the process's otherwise (direct calls in tests). */
function warn(message: string, attrs: Record<string, unknown>): void {
  try {
    log.warn(message, attrs);
  } catch {
    logger().warn(attrs, message);
  }
}

const nonRetryable = (type: string, message: string, details?: unknown) =>
  ApplicationFailure.create({ type, message, nonRetryable: true, ...(details ? { details: [details] } : {}) });

/** Without `writer` every step takes the Sequelize transaction path (tests compare both). */
export function createOrderActivities({ sequelize, redis, writer }: Pick<ActivityDeps, 'sequelize' | 'redis'> & { writer?: AtomicWriter }) {
  /** Every line needs exactly one label; the lines of an order past submission no longer change. */
  async function checkLabels(orderId: string, labels: FulfilmentLine[], transaction?: Transaction): Promise<Statement[]> {
    const items = await sequelize.query<{ id: string }>('SELECT id FROM order_items WHERE order_id = ?', {
      replacements: [orderId],
      type: QueryTypes.SELECT,
      ...(transaction ? { transaction } : {}),
    });
    const problems = checkFulfilmentLines(
      items.map((i) => i.id),
      labels,
    );
    if (problems.length) throw nonRetryable('ValidationError', 'Every line needs exactly one METRC package label', { problems });
    return labels.map((l) => ({ sql: 'UPDATE order_items SET metrc_package_label = ? WHERE id = ? AND order_id = ?', values: [l.metrc_package_label, l.item_id, orderId] }));
  }

  /**
   * The audit rows of a status change, written in the same transaction as the step: the timeline
   * row's unique key rolls a retried attempt back whole, so each transition is audited exactly once.
   */
  function transitionAudits(input: OrderEventInput, order: { order_number: string; retailer_id: string; wholesaler_id: string }): AuditRow[] {
    const action = input.type === 'status_changed' && input.to ? AUDIT_ACTION[input.to] : null;
    if (!action) return [];
    const summary = { order_number: order.order_number, from: input.from ?? null, to: input.to, reason: input.reason?.slice(0, 200) ?? null };
    const rows: Array<[string, Record<string, unknown>]> = [[action, summary]];
    if (input.complianceOverride) rows.push(['order.compliance_override', { ...summary, wholesaler_id: order.wholesaler_id }]);
    return rows.map(([action, summary]) => ({
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
    }));
  }

  function eventInsert(input: OrderEventInput, key: string): Statement {
    return {
      // published_at is set with the row and cleared if the stream write then fails: the common
      // case costs no second statement.
      sql: `INSERT INTO order_events (id, order_id, event_key, seq, type, from_status, to_status, actor_kind, actor_id, actor_role, actor_label, reason, detail, occurred_at, published_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP(3))`,
      values: [
        randomUUID(), input.orderId, key, input.seq, input.type, input.from ?? null, input.to ?? null,
        input.actor.kind, input.actor.id.slice(0, 64), input.actor.role, input.actor.label?.slice(0, 200) ?? null,
        input.reason?.slice(0, 1000) ?? null,
        input.metrc || input.detail || input.complianceOverride ? JSON.stringify({ ...input.detail, ...(input.metrc ? { metrc: input.metrc } : {}), ...(input.complianceOverride ? { compliance_override: true } : {}) }) : null,
        sqlDateTime(new Date(input.at)),
      ],
    };
  }

  /** The `orders` row's change; none for a reminder, which is timeline-only. */
  function orderUpdate(input: OrderEventInput): Statement | undefined {
    if (input.type === 'reminder_sent') return undefined;
    const sets: string[] = ['version = version + 1', 'updated_at = CURRENT_TIMESTAMP(3)'];
    const values: unknown[] = [];
    if (input.to) {
      sets.push('status = ?');
      values.push(input.to);
    }
    // Shipped on a compliance override: a transfer still pending settles as 'overridden', and a
    // pending report arriving afterwards does not bring it back (matched, failed and drift still
    // tell what METRC later says). Assignments run left to right, so the reason is set first.
    const pending = METRC_PENDING_STATES.map(() => '?').join(', ');
    if (input.complianceOverride) {
      sets.push('compliance_override_reason = ?', `metrc_state = IF(metrc_state IN (${pending}), 'overridden', metrc_state)`);
      values.push(input.reason?.slice(0, 1000) ?? null, ...METRC_PENDING_STATES);
    }
    if (input.metrc) {
      sets.push(
        `metrc_state = IF(compliance_override_reason IS NOT NULL AND ? IN (${pending}), 'overridden', ?)`,
        'metrc_manifest_number = COALESCE(?, metrc_manifest_number)', 'metrc_template_id = COALESCE(?, metrc_template_id)', 'metrc_detail = ?',
      );
      values.push(input.metrc.state, ...METRC_PENDING_STATES, input.metrc.state, input.metrc.manifestNumber ?? null, input.metrc.templateId ?? null, input.metrc.detail?.slice(0, 1000) ?? null);
    }
    return { sql: `UPDATE orders SET ${sets.join(', ')} WHERE id = ?`, values: [...values, input.orderId] };
  }

  type OrderFacts = { order_number: string; retailer_id: string; wholesaler_id: string; status: string };
  const readOrder = async (orderId: string, transaction?: Transaction) =>
    (
      await sequelize.query<OrderFacts>('SELECT order_number, retailer_id, wholesaler_id, status FROM orders WHERE id = ?', {
        replacements: [orderId],
        type: QueryTypes.SELECT,
        ...(transaction ? { transaction } : {}),
      })
    )[0];

  /** Writes the step's rows; false when an earlier attempt already committed them. */
  async function writeStep(input: OrderEventInput, key: string): Promise<{ recorded: boolean; order: OrderFacts | undefined }> {
    const known = input.order;
    if (input.stock && (!known || !writer)) throw nonRetryable('ValidationError', 'A stock change with the step needs the order and the atomic writer');
    if (known && writer) {
      const order = { order_number: known.number, retailer_id: known.retailerId, wholesaler_id: known.wholesalerId, status: known.status };
      const labelled = input.labels ? await checkLabels(input.orderId, input.labels) : [];
      const update = orderUpdate(input);
      const step = [eventInsert(input, key), ...labelled, ...(update ? [update] : []), ...transitionAudits(input, order).map(auditRowStatement)];
      const stock = input.stock;
      try {
        await retryingDeadlocks(() =>
          writer.transaction(async (tx) => {
            if (!stock) return { value: null, writes: step };
            const change = stock === 'reserve' ? await reserveIn(tx, input.orderId) : await consumeHoldsIn(tx, input.orderId, 'shipped');
            // Work found done by an earlier attempt: the step's own row says whether it was recorded.
            return { value: null, writes: [...(change.value.alreadyDone ? [] : (change.writes ?? [])), ...step] };
          }),
        );
        return { recorded: true, order };
      } catch (err) {
        const errno = (err as { errno?: number }).errno;
        if (errno === 1062) return { recorded: false, order }; // the step's row is there already
        if (errno === 1452) throw nonRetryable('NotFound', `Order ${input.orderId} not found`);
        throw err;
      }
    }
    try {
      const order = await sequelize.transaction(async (transaction) => {
        const run = (st: Statement) => sequelize.query(st.sql, { replacements: st.values, transaction });
        await run(eventInsert(input, key));
        if (input.labels) for (const st of await checkLabels(input.orderId, input.labels, transaction)) await run(st);
        const update = orderUpdate(input);
        if (update) await run(update);
        const row = await readOrder(input.orderId, transaction);
        if (row) for (const a of transitionAudits(input, row)) await insertAuditRow(sequelize, a, transaction);
        return row;
      });
      return { recorded: true, order };
    } catch (err) {
      if (err instanceof ForeignKeyConstraintError) throw nonRetryable('NotFound', `Order ${input.orderId} not found`);
      if (!(err instanceof UniqueConstraintError)) throw err;
      // An earlier attempt committed this event; only the publish may still be missing.
      return { recorded: false, order: await readOrder(input.orderId) };
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
      const { recorded, order } = await writeStep(input, key);
      if (!order) throw nonRetryable('NotFound', `Order ${input.orderId} not found`);
      // The stock change committed with the step: cached catalogue pages show it from the next read.
      if (input.stock) await bumpVersion(redis, 'inventory');

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
      const mark = (sql: string) => sequelize.query(sql, { replacements: [key] }).catch(() => undefined);
      try {
        await publishStep(redis, key, fields);
      } catch (err) {
        // The database row is the truth; a missing stream entry only delays live updates.
        warn('order event not published to the stream', { key, error: String(err) });
        await mark('UPDATE order_events SET published_at = NULL WHERE event_key = ?');
        return { recorded, published: false };
      }
      // A retry that published what an earlier attempt could not.
      if (!recorded) await mark('UPDATE order_events SET published_at = CURRENT_TIMESTAMP(3) WHERE event_key = ? AND published_at IS NULL');
      return { recorded, published: true };
    },

    /**
     * Reminder that an order waits for acceptance (runs on the notifications queue). No SMS or
     * e-mail provider is wired yet: the reminder is logged and kept on the order's timeline.
     */
    async notifyOrderReminder(input: { orderId: string; orderNumber: string; seq: number; at: string; deadline: string; recipientEntityId: string }): Promise<{ sent: boolean }> {
      log.info('order acceptance reminder', { orderNumber: input.orderNumber, recipient: input.recipientEntityId, deadline: input.deadline });
      const activities = createOrderActivities({ sequelize, redis, writer });
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
