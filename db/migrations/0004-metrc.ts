import type { Migration } from '../migrator.js';
import { UUID, TS, TABLE } from './sql.js';

// METRC submissions with every attempt, the general dead-letter queue, and per-license METRC
// user keys (AES-256-GCM under APP_SECRET; see db/repositories/metrcCredentials.ts).

const statements = [
  // natural_key is METRC's identity for the record (template name, external receipt number,
  // package label + submission): unique per kind and license so the hub never queues the same
  // record twice. possibly_landed is set before every write and cleared only on a definite
  // "not committed" answer; while set, the next attempt reconciles before sending.
  `CREATE TABLE metrc_submissions (
    id ${UUID} NOT NULL PRIMARY KEY,
    kind VARCHAR(32) NOT NULL,
    license_number VARCHAR(64) NOT NULL,
    natural_key VARCHAR(255) NOT NULL,
    order_id ${UUID} NULL,
    pos_sale_id VARCHAR(128) NULL,
    payload LONGTEXT NOT NULL,
    status VARCHAR(16) NOT NULL,
    attempt_count INT NOT NULL DEFAULT 0,
    round INT NOT NULL DEFAULT 1,
    possibly_landed TINYINT(1) NOT NULL DEFAULT 0,
    first_sent_at DATETIME(3) NULL,
    pre_image LONGTEXT NULL,
    metrc_ids LONGTEXT NULL,
    reconciled TINYINT(1) NOT NULL DEFAULT 0,
    last_error_code VARCHAR(64) NULL,
    failure_reason VARCHAR(2000) NULL,
    discard_reason VARCHAR(2000) NULL,
    workflow_id VARCHAR(120) CHARACTER SET ascii NULL,
    created_by VARCHAR(128) NULL,
    succeeded_at DATETIME(3) NULL,
    failed_at DATETIME(3) NULL,
    discarded_at DATETIME(3) NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_metrc_submissions_natural (kind, license_number, natural_key),
    KEY ix_metrc_submissions_status_created (status, created_at),
    KEY ix_metrc_submissions_kind_created (kind, created_at),
    KEY ix_metrc_submissions_license_created (license_number, created_at),
    KEY ix_metrc_submissions_order (order_id),
    KEY ix_metrc_submissions_created (created_at)
  ) ${TABLE}`,
  `CREATE TABLE metrc_submission_attempts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    submission_id ${UUID} NOT NULL,
    attempt INT NOT NULL,
    round INT NOT NULL,
    outcome VARCHAR(16) NOT NULL,
    error_type VARCHAR(64) NULL,
    error_code VARCHAR(64) NULL,
    error_message VARCHAR(2000) NULL,
    http_status INT NULL,
    ambiguous TINYINT(1) NOT NULL DEFAULT 0,
    row_messages LONGTEXT NULL,
    metrc_ids LONGTEXT NULL,
    rate_limit_waits INT NOT NULL DEFAULT 0,
    started_at DATETIME(3) NOT NULL,
    finished_at DATETIME(3) NULL,
    UNIQUE KEY uq_metrc_attempts (submission_id, attempt),
    CONSTRAINT fk_metrc_attempts_submission FOREIGN KEY (submission_id) REFERENCES metrc_submissions (id) ON DELETE CASCADE
  ) ${TABLE}`,
  `CREATE TABLE dead_letters (
    id ${UUID} NOT NULL PRIMARY KEY,
    queue VARCHAR(64) NOT NULL,
    workflow_id VARCHAR(200) CHARACTER SET ascii NULL,
    kind VARCHAR(64) NOT NULL,
    subject_id VARCHAR(128) NULL,
    payload LONGTEXT NULL,
    error LONGTEXT NULL,
    attempts INT NOT NULL DEFAULT 0,
    status VARCHAR(16) NOT NULL DEFAULT 'open',
    resolution_note VARCHAR(2000) NULL,
    resolved_by VARCHAR(128) NULL,
    resolved_at DATETIME(3) NULL,
    created_at ${TS}, updated_at ${TS},
    KEY ix_dead_letters_status_created (status, created_at),
    KEY ix_dead_letters_queue_status (queue, status, created_at),
    KEY ix_dead_letters_subject (kind, subject_id)
  ) ${TABLE}`,
  `CREATE TABLE metrc_credentials (
    license_number VARCHAR(64) NOT NULL PRIMARY KEY,
    user_key_enc VARCHAR(1024) CHARACTER SET ascii NOT NULL,
    created_at ${TS}, updated_at ${TS}
  ) ${TABLE}`,
];

const tables = ['metrc_credentials', 'dead_letters', 'metrc_submission_attempts', 'metrc_submissions'];

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const sql of statements) await sequelize.query(sql);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  for (const t of tables) await sequelize.query(`DROP TABLE IF EXISTS ${t}`);
};
