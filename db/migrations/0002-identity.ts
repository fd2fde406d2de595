import type { Migration } from '../migrator.js';
import { UUID, TS, TABLE } from './sql.js';

// Same column conventions as 0001 (ascii UUIDs compared byte-wise, millisecond timestamps).
const HASH = 'CHAR(64) CHARACTER SET ascii COLLATE ascii_bin';

const statements = [
  // A new TOTP secret waits here until the user proves they scanned it; the active one stays
  // in mfa_secret_enc, so a half-finished re-enrolment never locks anybody out.
  `ALTER TABLE users ADD COLUMN mfa_pending_secret_enc VARCHAR(512) NULL AFTER mfa_enabled`,
  `CREATE TABLE api_keys (
    id ${UUID} NOT NULL PRIMARY KEY,
    entity_id ${UUID} NOT NULL,
    name VARCHAR(100) NOT NULL,
    prefix VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    secret_hash ${HASH} NOT NULL,
    scopes VARCHAR(512) CHARACTER SET ascii NOT NULL,
    rate_limit_per_minute INT NULL,
    created_by_user_id ${UUID} NULL,
    expires_at DATETIME(3) NULL,
    last_used_at DATETIME(3) NULL,
    revoked_at DATETIME(3) NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_api_keys_prefix (prefix),
    KEY ix_api_keys_entity (entity_id, created_at),
    KEY ix_api_keys_creator (created_by_user_id),
    CONSTRAINT fk_api_keys_entity FOREIGN KEY (entity_id) REFERENCES entities (id),
    CONSTRAINT fk_api_keys_creator FOREIGN KEY (created_by_user_id) REFERENCES users (id) ON DELETE SET NULL
  ) ${TABLE}`,
  `CREATE TABLE user_recovery_codes (
    id ${UUID} NOT NULL PRIMARY KEY,
    user_id ${UUID} NOT NULL,
    code_hash ${HASH} NOT NULL,
    used_at DATETIME(3) NULL,
    created_at ${TS},
    UNIQUE KEY uq_recovery_codes_hash (user_id, code_hash),
    CONSTRAINT fk_recovery_codes_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
  ) ${TABLE}`,
  // Append-only; no foreign keys so the trail outlives what it talks about (deleted rows, users).
  `CREATE TABLE audit_log (
    id ${UUID} NOT NULL PRIMARY KEY,
    created_at ${TS},
    actor_type VARCHAR(16) NOT NULL,
    actor_id VARCHAR(64) NULL,
    actor_label VARCHAR(254) NULL,
    entity_id ${UUID} NULL,
    action VARCHAR(100) NOT NULL,
    target_type VARCHAR(64) NULL,
    target_id VARCHAR(64) NULL,
    summary JSON NULL,
    request_id VARCHAR(128) NULL,
    ip VARCHAR(64) NULL,
    KEY ix_audit_created (created_at),
    KEY ix_audit_actor (actor_id, created_at),
    KEY ix_audit_action (action, created_at),
    KEY ix_audit_target (target_type, target_id, created_at),
    KEY ix_audit_entity (entity_id, created_at)
  ) ${TABLE}`,
];

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const sql of statements) await sequelize.query(sql);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  for (const t of ['audit_log', 'user_recovery_codes', 'api_keys']) await sequelize.query(`DROP TABLE IF EXISTS ${t}`);
  await sequelize.query('ALTER TABLE users DROP COLUMN mfa_pending_secret_enc');
};
