import type { Migration } from '../migrator.js';
import { UUID, TS, TABLE } from './sql.js';

// Onboarding (issue 15): invitations by one-time set-password link, and what the API may show
// about a licence's stored METRC user key without ever showing the key.
const HASH = 'CHAR(64) CHARACTER SET ascii COLLATE ascii_bin';

const statements = [
  // Set while the user has never chosen a password (their hash is of a random value nobody
  // knows); cleared by POST /auth/set-password.
  `ALTER TABLE users ADD COLUMN invitation_pending TINYINT(1) NOT NULL DEFAULT 0 AFTER disabled_at`,
  // Only a hash of the link's token is kept: a database reader cannot use a pending invitation.
  `CREATE TABLE user_invitations (
    id ${UUID} NOT NULL PRIMARY KEY,
    user_id ${UUID} NOT NULL,
    token_hash ${HASH} NOT NULL,
    created_by_user_id ${UUID} NULL,
    expires_at DATETIME(3) NOT NULL,
    used_at DATETIME(3) NULL,
    revoked_at DATETIME(3) NULL,
    created_at ${TS},
    UNIQUE KEY uq_user_invitations_token (token_hash),
    KEY ix_user_invitations_user (user_id, created_at),
    CONSTRAINT fk_user_invitations_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
  ) ${TABLE}`,
  `ALTER TABLE metrc_credentials
     ADD COLUMN key_last4 VARCHAR(4) NULL,
     ADD COLUMN key_fingerprint CHAR(16) CHARACTER SET ascii NULL,
     ADD COLUMN updated_by VARCHAR(254) NULL,
     ADD COLUMN last_used_at DATETIME(3) NULL,
     ADD COLUMN last_tested_at DATETIME(3) NULL,
     ADD COLUMN last_test_ok TINYINT(1) NULL,
     ADD COLUMN last_error VARCHAR(1000) NULL`,
];

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const sql of statements) await sequelize.query(sql);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(
    `ALTER TABLE metrc_credentials DROP COLUMN key_last4, DROP COLUMN key_fingerprint, DROP COLUMN updated_by,
       DROP COLUMN last_used_at, DROP COLUMN last_tested_at, DROP COLUMN last_test_ok, DROP COLUMN last_error`,
  );
  await sequelize.query('DROP TABLE IF EXISTS user_invitations');
  await sequelize.query('ALTER TABLE users DROP COLUMN invitation_pending');
};
