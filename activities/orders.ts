import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Redis } from 'ioredis';
import { luaScript } from '../platform/redis.js';
import { checkFulfilmentLines, type FulfilmentLine } from '../domain/orders/fulfilment.js';
import type { OrderStatus } from '../domain/orders/status.js';
import { FAILURE } from '../contracts/failures.js';
import type { ActorRef, OrderEventInput, OrderEventType } from '../contracts/order.js';
import type { ActivityDeps } from './deps.js';
import { auditRowStatement, type AuditRow } from '../db/repositories/auditLog.js';
import { dbFailure, retryingDeadlocks, type AtomicWriter, type Statement } from '../db/tx.js';
import { labelStatements, markStepPublished, orderItemIds, readOrderFacts, stepEventStatement, stepOrderUpdate, writeStepReading, type OrderFacts } from '../db/repositories/orders.js';
import { consumeHoldsIn, reserveIn } from '../db/repositories/stock.js';
import { bumpVersion, bumpVersionLua, versionChannel, versionKey } from '../platform/cacheVersions.js';
import { asStockFailure } from './inventory.js';
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

// The step's shape is part of the workflow contract (contracts/order.ts).
export type { ActorRef, OrderEventInput, OrderEventType };

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
// The bump is announced on versionChannel like bumpVersion's: API processes hold versions in
// memory (api/services/cache.ts) and would otherwise serve the old list for up to VERSION_TRUST_MS
// after the client saw this step's event. pcall: an announcement that fails (a Redis user without
// PUBLISH) costs only that staleness, never the event.
const PUBLISH_STEP = `
${bumpVersionLua('KEYS[3]')}
redis.pcall('PUBLISH', ARGV[3], ARGV[4])
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 5))
end
return false`;

export const eventKey = (orderId: string, seq: number) => `${orderId}:${seq}`;

const publishStepScript = luaScript<string | null>(PUBLISH_STEP);

async function publishStep(redis: Redis, key: string, fields: Record<string, string>): Promise<void> {
  await publishStepScript(redis, 3, `trellis:published:${key}`, EVENTS_STREAM, versionKey('orders'), PUBLISHED_TTL_S, STREAM_MAXLEN, versionChannel(redis), 'orders', ...Object.entries(fields).flat());
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

/** Every step goes through the one writer (db/tx.ts); the SQL is in db/repositories/orders.ts. */
export function createOrderActivities({ sequelize, redis, writer }: Pick<ActivityDeps, 'sequelize' | 'redis'> & { writer: AtomicWriter }) {
  /** Every line needs exactly one label; the lines of an order past submission no longer change. */
  function checkLabels(orderId: string, itemIds: string[], labels: FulfilmentLine[]): Statement[] {
    const problems = checkFulfilmentLines(itemIds, labels);
    if (problems.length) throw nonRetryable(FAILURE.ValidationError, 'Every line needs exactly one METRC package label', { problems });
    return labelStatements(orderId, labels);
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

  /**
   * Writes the step's rows in one writer transaction (db/tx.ts); false when an earlier attempt
   * already committed them (the timeline row's unique key). Knowing its order, the step is its
   * writes alone (one round trip, plus the stock reads when a stock change goes with it);
   * otherwise (reminders) the order is read back in the same transaction.
   */
  async function writeStep(input: OrderEventInput, key: string): Promise<{ recorded: boolean; order: OrderFacts | undefined }> {
    const known = input.order;
    if (input.stock && !known) throw nonRetryable(FAILURE.ValidationError, 'A stock change with the step needs the order');
    let order: OrderFacts | undefined = known && { order_number: known.number, retailer_id: known.retailerId, wholesaler_id: known.wholesalerId, status: known.status };
    try {
      if (known) {
        const labelled = input.labels ? checkLabels(input.orderId, await orderItemIds(sequelize, input.orderId), input.labels) : [];
        const update = stepOrderUpdate(input);
        const step = [stepEventStatement(input, key), ...labelled, ...(update ? [update] : []), ...transitionAudits(input, order!).map(auditRowStatement)];
        const stock = input.stock;
        await retryingDeadlocks(() =>
          writer.transaction(async (tx) => {
            if (!stock) return { value: null, writes: step };
            const change = stock === 'reserve' ? await reserveIn(tx, input.orderId) : await consumeHoldsIn(tx, input.orderId, 'shipped');
            // Work found done by an earlier attempt: the step's own row says whether it was recorded.
            return { value: null, writes: [...(change.value.alreadyDone ? [] : (change.writes ?? [])), ...step] };
          }),
        ).catch((err: unknown) => {
          throw asStockFailure(err);
        });
      } else {
        order = await retryingDeadlocks(() =>
          writer.transaction(async (tx) => {
            const read = await writeStepReading(tx, input, key, Boolean(input.labels));
            if (!read.order) return { value: undefined, commit: false };
            const labelled = input.labels ? checkLabels(input.orderId, read.itemIds, input.labels) : [];
            return { value: read.order, writes: [...labelled, ...transitionAudits(input, read.order).map(auditRowStatement)] };
          }),
        );
      }
      return { recorded: true, order };
    } catch (err) {
      const failure = dbFailure(err);
      if (failure?.kind === 'missing_reference') throw nonRetryable(FAILURE.NotFound, `Order ${input.orderId} not found`);
      if (failure?.kind !== 'duplicate') throw err;
      // An earlier attempt committed this event; only the publish may still be missing.
      return { recorded: false, order: order ?? (await readOrderFacts(sequelize, input.orderId)) };
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
      if (!order) throw nonRetryable(FAILURE.NotFound, `Order ${input.orderId} not found`);
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
      const mark = (published: boolean) => markStepPublished(sequelize, key, published).catch(() => undefined);
      try {
        await publishStep(redis, key, fields);
      } catch (err) {
        // The database row is the truth; a missing stream entry only delays live updates.
        warn('order event not published to the stream', { key, error: String(err) });
        await mark(false);
        return { recorded, published: false };
      }
      // A retry that published what an earlier attempt could not.
      if (!recorded) await mark(true);
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
