/**
 * Who a notification goes to, and the address each channel needs (activities/notifications.ts,
 * digestDelivery.ts, smsDelivery.ts, inAppNotifications.ts). A deactivated user reads as absent
 * everywhere here: a delivery started before the deactivation is skipped, not sent.
 */
import { QueryTypes, type Sequelize } from 'sequelize';

/** The people an event's rule names (domain/notifications/rules.ts audienceOf), already narrowed to this event. */
export interface AudienceQuery {
  /** The entity whose users with one of `entityRoles` are told (omitted: no entity users). */
  entityId?: string | undefined;
  entityRoles: readonly string[];
  staffRoles: readonly string[];
  /** The user who asked for the thing the event reports (omitted: nobody by that route). */
  requesterId?: string | undefined;
}

export interface AudienceRow {
  id: string;
  email: string;
  phone: string | null;
  switches: string | null;
  digest: string | null;
}

/** Active users in the audience with their phone and stored preferences, by id. */
export async function audienceMembers(sequelize: Sequelize, q: AudienceQuery): Promise<AudienceRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.entityId && q.entityRoles.length) {
    where.push(`(u.role = 'entity' AND u.entity_id = ? AND u.entity_role IN (${q.entityRoles.map(() => '?').join(',')}))`);
    args.push(q.entityId, ...q.entityRoles);
  }
  if (q.staffRoles.length) {
    where.push(`u.role IN (${q.staffRoles.map(() => '?').join(',')})`);
    args.push(...q.staffRoles);
  }
  if (q.requesterId) {
    where.push('u.id = ?');
    args.push(q.requesterId);
  }
  if (!where.length) return [];
  return sequelize.query<AudienceRow>(
    `SELECT u.id, u.email, c.phone, p.switches, p.digest FROM users u LEFT JOIN notification_contacts c ON c.user_id = u.id
       LEFT JOIN notification_preferences p ON p.user_id = u.id
      WHERE u.disabled_at IS NULL AND (${where.join(' OR ')}) ORDER BY u.id`,
    { replacements: args, type: QueryTypes.SELECT },
  );
}

/** The user's email, unless they are deactivated or gone. */
export async function activeUser(sequelize: Sequelize, userId: string): Promise<{ email: string } | undefined> {
  const [user] = await sequelize.query<{ email: string }>('SELECT email FROM users WHERE id = ? AND disabled_at IS NULL', {
    replacements: [userId],
    type: QueryTypes.SELECT,
  });
  return user;
}

/** The user's notification phone number, unless they have none or are deactivated. */
export async function activeUserPhone(sequelize: Sequelize, userId: string): Promise<string | undefined> {
  const [user] = await sequelize.query<{ phone: string }>(
    'SELECT c.phone FROM users u JOIN notification_contacts c ON c.user_id = u.id WHERE u.id = ? AND u.disabled_at IS NULL',
    { replacements: [userId], type: QueryTypes.SELECT },
  );
  return user?.phone;
}

/** Whether the user exists and is not deactivated. */
export async function isActiveUser(sequelize: Sequelize, userId: string): Promise<boolean> {
  const [user] = await sequelize.query<{ id: string }>('SELECT id FROM users WHERE id = ? AND disabled_at IS NULL', {
    replacements: [userId],
    type: QueryTypes.SELECT,
  });
  return Boolean(user);
}
