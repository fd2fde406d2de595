/**
 * in_app_notifications: the console's bell (issue 16). Rows belong to one user; every read and
 * write here is confined to that user, so another user's notification is simply not found.
 */
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';

export interface InAppRow {
  id: string;
  user_id: string;
  event_type: string;
  event_key: string;
  title: string;
  body: string;
  link: string;
  read_at: Date | null;
  published_at: Date | null;
  created_at: Date;
}

export interface NewInApp {
  deliveryKey: string;
  userId: string;
  eventType: string;
  eventKey: string;
  title: string;
  body: string;
  link: string;
}

const COLUMNS = 'id, user_id, event_type, event_key, title, body, link, read_at, published_at, created_at';

/** Inserts the notification unless its delivery key exists; answers the row either way. */
export async function insertInApp(sequelize: Sequelize, n: NewInApp): Promise<InAppRow> {
  await sequelize.query(
    `INSERT IGNORE INTO in_app_notifications (id, delivery_key, user_id, event_type, event_key, title, body, link)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    { replacements: [randomUUID(), n.deliveryKey, n.userId, n.eventType, n.eventKey.slice(0, 255), n.title.slice(0, 255), n.body, n.link.slice(0, 512)] },
  );
  const [row] = await sequelize.query<InAppRow>(`SELECT ${COLUMNS} FROM in_app_notifications WHERE delivery_key = ?`, {
    replacements: [n.deliveryKey],
    type: QueryTypes.SELECT,
  });
  return row!;
}

export async function markPublished(sequelize: Sequelize, id: string): Promise<void> {
  await sequelize.query('UPDATE in_app_notifications SET published_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND published_at IS NULL', { replacements: [id] });
}

export async function listInApp(sequelize: Sequelize, userId: string, p: { unread: boolean; limit: number; offset: number }) {
  const where = `user_id = ?${p.unread ? ' AND read_at IS NULL' : ''}`;
  const [rows, [count], [unread]] = await Promise.all([
    sequelize.query<InAppRow>(`SELECT ${COLUMNS} FROM in_app_notifications WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, {
      replacements: [userId, p.limit, p.offset],
      type: QueryTypes.SELECT,
    }),
    sequelize.query<{ n: number }>(`SELECT COUNT(*) AS n FROM in_app_notifications WHERE ${where}`, { replacements: [userId], type: QueryTypes.SELECT }),
    unreadCount(sequelize, userId).then((n) => [n]),
  ]);
  return { rows, total: Number(count?.n ?? 0), unread: unread ?? 0 };
}

export async function unreadCount(sequelize: Sequelize, userId: string): Promise<number> {
  const [r] = await sequelize.query<{ n: number }>('SELECT COUNT(*) AS n FROM in_app_notifications WHERE user_id = ? AND read_at IS NULL', {
    replacements: [userId],
    type: QueryTypes.SELECT,
  });
  return Number(r?.n ?? 0);
}

/** Marks one of the user's notifications read (already read stays as it was); undefined when it is not theirs. */
export async function markRead(sequelize: Sequelize, userId: string, id: string): Promise<InAppRow | undefined> {
  await sequelize.query('UPDATE in_app_notifications SET read_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND user_id = ? AND read_at IS NULL', { replacements: [id, userId] });
  const [row] = await sequelize.query<InAppRow>(`SELECT ${COLUMNS} FROM in_app_notifications WHERE id = ? AND user_id = ?`, {
    replacements: [id, userId],
    type: QueryTypes.SELECT,
  });
  return row;
}

export async function markAllRead(sequelize: Sequelize, userId: string): Promise<number> {
  const [, meta] = await sequelize.query('UPDATE in_app_notifications SET read_at = CURRENT_TIMESTAMP(3) WHERE user_id = ? AND read_at IS NULL', { replacements: [userId] });
  const m = meta as { affectedRows?: number } | number | undefined;
  return typeof m === 'number' ? m : (m?.affectedRows ?? 0);
}
