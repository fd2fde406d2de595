/**
 * My in-app notifications (issue 16). Every call is confined to the signed-in user: another user's
 * notification — of the same tenant or platform staff's — is not found (404), never forbidden, so
 * its existence is not revealed.
 */
import type { Sequelize } from 'sequelize';
import type { Actor } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import { listInApp, markAllRead, markRead, unreadCount } from '../../db/repositories/inAppNotifications.js';

/** Only people have a bell: an API key (which the permission already refuses) never reads one. */
function userOf(actor: Actor): string {
  if (actor.kind !== 'user') throw new AppError('FORBIDDEN', 'Only signed-in users have notifications');
  return actor.id;
}

export function createNotificationService(deps: { sequelize: Sequelize }) {
  const { sequelize } = deps;
  return {
    async list(actor: Actor, p: { page: number; limit: number; unread: boolean }) {
      const r = await listInApp(sequelize, userOf(actor), { unread: p.unread, limit: p.limit, offset: (p.page - 1) * p.limit });
      return {
        data: r.rows,
        pagination: { page: p.page, limit: p.limit, total: r.total, total_pages: Math.ceil(r.total / p.limit) },
        unread_count: r.unread,
      };
    },
    async unreadCount(actor: Actor) {
      return { unread_count: await unreadCount(sequelize, userOf(actor)) };
    },
    async markRead(actor: Actor, id: string) {
      const row = await markRead(sequelize, userOf(actor), id);
      if (!row) throw notFound('Notification', id);
      return row;
    },
    async markAllRead(actor: Actor) {
      const user = userOf(actor);
      const marked = await markAllRead(sequelize, user);
      return { marked, unread_count: await unreadCount(sequelize, user) };
    },
  };
}
