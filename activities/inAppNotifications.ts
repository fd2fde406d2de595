/**
 * In-app delivery (issue 16): one in_app_notifications row per (event, recipient), then one
 * `notification.created` event on the realtime stream carrying the recipient's user_id, which
 * the events socket delivers to that user's sockets only (api/realtime/events.ts visibleTo).
 *
 * Exactly once, both parts: the row's unique delivery key makes the insert idempotent, and the
 * publish is guarded by SET NX in the same Lua call as the XADD (as order events are), so a retry
 * after a crash between insert and publish publishes once, and a retry after the publish does not
 * publish again.
 */
import type { NotificationEvent } from '../domain/notifications/events.js';
import { renderInApp } from '../domain/notifications/inApp.js';
import { insertInApp, markPublished } from '../db/repositories/inAppNotifications.js';
import { isActiveUser } from '../db/repositories/notificationRecipients.js';
import type { ActivityDeps } from './deps.js';
import { deliveryKey } from './notifications.js';
import type { Redis } from 'ioredis';
import { luaScript } from '../platform/redis.js';

const EVENTS_STREAM = 'trellis:events';
const STREAM_MAXLEN = 100_000;
const PUBLISHED_TTL_S = 7 * 24 * 3600;

const PUBLISH_ONCE = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
end
return false`;

const publishOnceScript = luaScript<string | null>(PUBLISH_ONCE);

async function publishOnce(redis: Redis, key: string, fields: Record<string, string>): Promise<void> {
  await publishOnceScript(redis, 2, `trellis:published:${key}`, EVENTS_STREAM, PUBLISHED_TTL_S, STREAM_MAXLEN, ...Object.entries(fields).flat());
}

export function createInAppActivities(deps: ActivityDeps) {
  const { sequelize, redis } = deps;
  return {
    async deliverInApp(input: { event: NotificationEvent; recipientUserId: string }): Promise<{ status: 'sent' | 'already_sent' | 'skipped'; messageId?: string }> {
      if (!(await isActiveUser(sequelize, input.recipientUserId))) return { status: 'skipped' }; // deactivated or removed since the event
      const msg = renderInApp(input.event);
      const row = await insertInApp(sequelize, {
        deliveryKey: deliveryKey(input.event, input.recipientUserId, 'in_app'),
        userId: input.recipientUserId,
        eventType: input.event.type,
        eventKey: input.event.key,
        ...msg,
      });
      if (row.published_at) return { status: 'already_sent', messageId: row.id };
      await publishOnce(redis, `notification:${row.id}`, {
        type: 'notification.created',
        user_id: row.user_id,
        notification_id: row.id,
        event_type: row.event_type,
        title: row.title,
        link: row.link,
        created_at: new Date(row.created_at).toISOString(),
      });
      await markPublished(sequelize, row.id);
      return { status: 'sent', messageId: row.id };
    },
  };
}
