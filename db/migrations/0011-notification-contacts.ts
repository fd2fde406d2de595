import type { Migration } from '../migrator.js';
import { UUID, TS, TABLE } from './sql.js';

// Phone numbers for SMS notifications (issue 16), beside the users table rather than in it: a user
// without a row gets email only.
const statements = [
  `CREATE TABLE notification_contacts (
    user_id ${UUID} NOT NULL PRIMARY KEY,
    phone VARCHAR(16) CHARACTER SET ascii NOT NULL,
    created_at ${TS}, updated_at ${TS},
    CONSTRAINT fk_notification_contacts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
  ) ${TABLE}`,
];

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const sql of statements) await sequelize.query(sql);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('DROP TABLE IF EXISTS notification_contacts');
};
