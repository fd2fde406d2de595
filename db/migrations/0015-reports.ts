import type { Migration } from '../migrator.js';
import { UUID, TS, TABLE } from './sql.js';

// Reports (issue 17). A `reports` row is the request and its progress (the report workflow keeps
// rows_done current); the file itself lives in `report_chunks`, so any API instance can serve it
// without shared disk. Chunks are numbered per page written: a resumed workflow deletes the ones
// after its last heartbeat and writes them again. `entity_id` is the tenant the report belongs to
// (NULL: requested by platform staff) and the only tenancy column its readers use.
const statements = [
  `CREATE TABLE reports (
    id ${UUID} NOT NULL PRIMARY KEY,
    type VARCHAR(32) CHARACTER SET ascii NOT NULL,
    format VARCHAR(8) CHARACTER SET ascii NOT NULL,
    status VARCHAR(16) CHARACTER SET ascii NOT NULL,
    params TEXT NOT NULL,
    entity_id ${UUID} NULL,
    requested_by VARCHAR(64) NOT NULL,
    schedule_id ${UUID} NULL,
    workflow_id VARCHAR(80) CHARACTER SET ascii NOT NULL,
    rows_done BIGINT NOT NULL DEFAULT 0,
    rows_total BIGINT NULL,
    bytes BIGINT NOT NULL DEFAULT 0,
    file_name VARCHAR(200) NULL,
    error_type VARCHAR(64) NULL,
    error VARCHAR(2000) NULL,
    started_at DATETIME(3) NULL,
    finished_at DATETIME(3) NULL,
    expires_at DATETIME(3) NULL,
    created_at ${TS}, updated_at ${TS},
    KEY ix_reports_entity_created (entity_id, created_at, id),
    KEY ix_reports_created (created_at, id),
    KEY ix_reports_schedule (schedule_id, created_at)
  ) ${TABLE}`,
  `CREATE TABLE report_chunks (
    report_id ${UUID} NOT NULL,
    seq INT NOT NULL,
    data LONGBLOB NOT NULL,
    PRIMARY KEY (report_id, seq),
    CONSTRAINT fk_report_chunks_report FOREIGN KEY (report_id) REFERENCES reports (id) ON DELETE CASCADE
  ) ${TABLE}`,
  // A recurring report: its Temporal Schedule (report-schedule:<id>) starts one report per run
  // and the link goes to its owner through the notifications queue.
  `CREATE TABLE report_schedules (
    id ${UUID} NOT NULL PRIMARY KEY,
    user_id ${UUID} NOT NULL,
    entity_id ${UUID} NULL,
    name VARCHAR(200) NOT NULL,
    request TEXT NOT NULL,
    day_of_week TINYINT NULL,
    time_of_day CHAR(5) CHARACTER SET ascii NOT NULL,
    timezone VARCHAR(64) NOT NULL,
    created_at ${TS}, updated_at ${TS},
    KEY ix_report_schedules_user (user_id, created_at),
    KEY ix_report_schedules_entity (entity_id, created_at),
    CONSTRAINT fk_report_schedules_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
  ) ${TABLE}`,
];

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const sql of statements) await sequelize.query(sql);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  for (const t of ['report_schedules', 'report_chunks', 'reports']) await sequelize.query(`DROP TABLE IF EXISTS ${t}`);
};
