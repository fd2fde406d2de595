import type { Migration } from '../migrator.js';
import { UUID, TS, TABLE } from './sql.js';

// In-app notifications (issue 16): the console's bell. One row per (event, recipient), made once
// however often the delivery activity runs (`delivery_key` is unique: a hash of event and user).
// `published_at` records that the realtime event went out, so a retry after a crash between the
// insert and the publish still publishes.
const statements = [
  `CREATE TABLE in_app_notifications (
    id ${UUID} NOT NULL PRIMARY KEY,
    delivery_key CHAR(64) CHARACTER SET ascii NOT NULL,
    user_id ${UUID} NOT NULL,
    event_type VARCHAR(64) CHARACTER SET ascii NOT NULL,
    event_key VARCHAR(255) NOT NULL,
    title VARCHAR(255) NOT NULL,
    body TEXT NOT NULL,
    link VARCHAR(512) NOT NULL,
    read_at DATETIME(3) NULL,
    published_at DATETIME(3) NULL,
    created_at ${TS},
    UNIQUE KEY uq_in_app_notifications_delivery (delivery_key),
    KEY ix_in_app_notifications_user (user_id, created_at, id),
    KEY ix_in_app_notifications_unread (user_id, read_at),
    CONSTRAINT fk_in_app_notifications_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
  ) ${TABLE}`,
];

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const sql of statements) await sequelize.query(sql);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('DROP TABLE IF EXISTS in_app_notifications');
};
