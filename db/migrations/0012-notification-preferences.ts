import type { Migration } from '../migrator.js';
import { UUID, TS, TABLE } from './sql.js';

// Per-user notification preferences (issue 16): channel switches per category (JSON, missing =
// the rule's default, so a user without a row gets the defaults), quiet hours as a local window in
// the user's time zone, and immediate or hourly digest for non-urgent events.
const statements = [
  `CREATE TABLE notification_preferences (
    user_id ${UUID} NOT NULL PRIMARY KEY,
    switches TEXT NOT NULL,
    quiet_start CHAR(5) CHARACTER SET ascii NULL,
    quiet_end CHAR(5) CHARACTER SET ascii NULL,
    timezone VARCHAR(64) CHARACTER SET ascii NULL,
    digest VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'immediate',
    created_at ${TS}, updated_at ${TS},
    CONSTRAINT fk_notification_preferences_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
  ) ${TABLE}`,
];

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const sql of statements) await sequelize.query(sql);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('DROP TABLE IF EXISTS notification_preferences');
};
