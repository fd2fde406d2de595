/**
 * notification_preferences and notification_contacts: a user's switches, quiet hours, digest
 * choice and SMS number. No row = the rules' defaults and email only.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Preferences } from '../../domain/notifications/preferences.js';
import type { ChannelSwitches } from '../../domain/notifications/rules.js';

export type PreferenceRow = Preferences;

export const DEFAULT_PREFERENCES: PreferenceRow = { switches: {}, quietStart: null, quietEnd: null, timezone: null, digest: 'immediate', phone: null };

export function parseSwitches(raw: string | null | undefined): ChannelSwitches {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === 'object' ? (v as ChannelSwitches) : {};
  } catch {
    return {}; // a damaged row falls back to the defaults rather than silencing the user
  }
}

export async function loadPreferences(sequelize: Sequelize, userId: string): Promise<PreferenceRow> {
  const [row] = await sequelize.query<{ switches: string | null; quiet_start: string | null; quiet_end: string | null; timezone: string | null; digest: string | null; phone: string | null }>(
    `SELECT p.switches, p.quiet_start, p.quiet_end, p.timezone, p.digest, c.phone
       FROM users u LEFT JOIN notification_preferences p ON p.user_id = u.id LEFT JOIN notification_contacts c ON c.user_id = u.id
      WHERE u.id = ?`,
    { replacements: [userId], type: QueryTypes.SELECT },
  );
  if (!row) return DEFAULT_PREFERENCES;
  return {
    switches: parseSwitches(row.switches),
    quietStart: row.quiet_start,
    quietEnd: row.quiet_end,
    timezone: row.timezone,
    digest: row.digest === 'hourly' ? 'hourly' : 'immediate',
    phone: row.phone,
  };
}

export async function savePreferences(sequelize: Sequelize, userId: string, p: PreferenceRow, transaction?: Transaction): Promise<void> {
  await sequelize.query(
    `INSERT INTO notification_preferences (user_id, switches, quiet_start, quiet_end, timezone, digest) VALUES (?, ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE switches = VALUES(switches), quiet_start = VALUES(quiet_start), quiet_end = VALUES(quiet_end),
       timezone = VALUES(timezone), digest = VALUES(digest), updated_at = CURRENT_TIMESTAMP(3)`,
    { replacements: [userId, JSON.stringify(p.switches), p.quietStart, p.quietEnd, p.timezone, p.digest], ...(transaction ? { transaction } : {}) },
  );
  if (p.phone) {
    await sequelize.query(
      `INSERT INTO notification_contacts (user_id, phone) VALUES (?, ?) ON DUPLICATE KEY UPDATE phone = VALUES(phone), updated_at = CURRENT_TIMESTAMP(3)`,
      { replacements: [userId, p.phone], ...(transaction ? { transaction } : {}) },
    );
  } else {
    await sequelize.query('DELETE FROM notification_contacts WHERE user_id = ?', { replacements: [userId], ...(transaction ? { transaction } : {}) });
  }
}

/** Locks the user's row for the transaction (a preference change and an unsubscribe click queue); false when there is no such user. */
export async function lockUserRow(sequelize: Sequelize, userId: string, transaction: Transaction): Promise<boolean> {
  const rows = await sequelize.query('SELECT id FROM users WHERE id = ? FOR UPDATE', { replacements: [userId], transaction, type: QueryTypes.SELECT });
  return rows.length > 0;
}
