import type { Migration } from '../migrator.js';
import { UUID, TS, TABLE } from './sql.js';

// Notifications (issue 16): one row per (event, recipient, channel). Its unique key is what makes a
// delivery at most once: a retried activity or a new worker after a crash finds the row and its
// state instead of sending again (activities/notifications.ts).
const KEY = 'CHAR(64) CHARACTER SET ascii COLLATE ascii_bin';

const statements = [
  `CREATE TABLE notification_deliveries (
    id ${UUID} NOT NULL PRIMARY KEY,
    delivery_key ${KEY} NOT NULL,
    event_key VARCHAR(200) NOT NULL,
    event_type VARCHAR(64) NOT NULL,
    channel VARCHAR(16) NOT NULL,
    recipient_user_id ${UUID} NULL,
    recipient_address VARCHAR(254) NOT NULL,
    message_id VARCHAR(255) NOT NULL,
    status VARCHAR(16) NOT NULL,
    attempts INT NOT NULL DEFAULT 0,
    sending_since DATETIME(3) NULL,
    sent_at DATETIME(3) NULL,
    provider_response VARCHAR(500) NULL,
    last_error VARCHAR(1000) NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_notification_deliveries_key (delivery_key),
    KEY ix_notification_deliveries_event (event_key),
    KEY ix_notification_deliveries_status (status, updated_at)
  ) ${TABLE}`,
];

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const sql of statements) await sequelize.query(sql);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('DROP TABLE IF EXISTS notification_deliveries');
};
