import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import { markOrderEventsPublished, unpublishedOrderEvents, type UnpublishedOrderEvent } from '../db/repositories/orderEventsOutbox.js';
import { bumpVersionLua, versionChannel, versionKey } from '../platform/cacheVersions.js';
import { luaScript } from '../platform/redis.js';
import { logger } from '../platform/logger.js';

/**
 * The outbox relay: timeline events written while Redis was down (the database row committed,
 * the stream write failed, `published_at` left NULL) reach the events stream once Redis is back,
 * instead of being lost to live listeners. Every worker process runs one; the same SET NX guard
 * as the activity's own publish (activities/orders.ts, key `trellis:published:<event key>`)
 * appends each event once, whoever gets there first. Such events arrive after any newer event of
 * the same order that was published live meanwhile: listeners re-read the order (docs/realtime.md).
 */
const EVENTS_STREAM = 'trellis:events';
const STREAM_MAXLEN = 100_000;
const PUBLISHED_TTL_S = 7 * 24 * 3600;
// The bump is announced on versionChannel (as bumpVersion does) for the API's in-memory versions;
// pcall, so a failed announcement cannot abort the script after its SET NX and lose the event.
const PUBLISH_ONCE = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  ${bumpVersionLua('KEYS[3]')}
  redis.pcall('PUBLISH', ARGV[3], ARGV[4])
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 5))
end
return false`;
// By hash: the script's source is not sent (nor traced) with every event the relay republishes.
const publishOnce = luaScript<string | null>(PUBLISH_ONCE);

const TYPES: Record<string, string> = { status_changed: 'order.status_changed', metrc_status: 'order.metrc_status', reminder_sent: 'order.reminder_sent' };

/** The stream entry the activity would have written (activities/orders.ts recordOrderEvent). */
export function streamFields(e: UnpublishedOrderEvent): Record<string, string> {
  const detail = (typeof e.detail === 'string' ? JSON.parse(e.detail) : e.detail) as { metrc?: { state?: string; manifestNumber?: string } } | null;
  const fields: Record<string, string> = {
    type: TYPES[e.type] ?? `order.${e.type}`,
    order_id: e.order_id,
    order_number: e.order_number,
    retailer_id: e.retailer_id,
    wholesaler_id: e.wholesaler_id,
    status: e.to_status ?? e.status,
    event_id: e.event_key,
    occurred_at: new Date(e.occurred_at).toISOString(),
    actor_role: e.actor_role,
  };
  if (e.from_status) fields.from = e.from_status;
  if (e.reason) fields.reason = e.reason.slice(0, 1000);
  if (detail?.metrc?.state) fields.metrc_state = detail.metrc.state;
  if (detail?.metrc?.manifestNumber) fields.manifest_number = detail.metrc.manifestNumber;
  return fields;
}

export interface Relay {
  /** One pass: publishes up to `batch` waiting events; how many it found. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function startOrderEventsRelay(deps: { sequelize: Sequelize; redis: Redis }, opts: { intervalMs?: number; batch?: number } = {}): Relay {
  const intervalMs = opts.intervalMs ?? 2000;
  const batch = opts.batch ?? 200;
  let stopped = false;
  let wake: (() => void) | undefined;

  async function runOnce(): Promise<number> {
    if (deps.redis.status !== 'ready') return 0;
    const events = await unpublishedOrderEvents(deps.sequelize, batch);
    const done: string[] = [];
    try {
      for (const e of events) {
        await publishOnce(deps.redis, 3, `trellis:published:${e.event_key}`, EVENTS_STREAM, versionKey('orders'), PUBLISHED_TTL_S, STREAM_MAXLEN, versionChannel(deps.redis), 'orders', ...Object.entries(streamFields(e)).flat());
        done.push(e.event_key);
      }
    } finally {
      await markOrderEventsPublished(deps.sequelize, done);
    }
    return events.length;
  }

  const loop = (async () => {
    while (!stopped) {
      let found = 0;
      try {
        found = await runOnce();
      } catch (err) {
        // Redis or the database still away: the next pass tries again.
        logger().warn({ err: String(err) }, 'order events relay pass failed');
      }
      if (found >= batch) continue;
      // stop() during a pass found no waiter to wake: do not sleep a whole interval after it.
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs).unref();
      });
    }
  })();

  return {
    runOnce,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
