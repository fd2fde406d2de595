import type { Migration } from '../migrator.js';
import { UUID, TS, TABLE } from './sql.js';

const statements = [
  // One row per POS account feeding one location. Credentials are AES-256-GCM ciphertext
  // (platform/secretBox.ts); the API never returns them. `sync_cursor` is the connector's own
  // cursor JSON ("cursor" is a reserved word in MySQL).
  `CREATE TABLE pos_connections (
    id ${UUID} NOT NULL PRIMARY KEY,
    entity_id ${UUID} NOT NULL,
    location_id ${UUID} NOT NULL,
    vendor VARCHAR(16) NOT NULL,
    name VARCHAR(200) NULL,
    credentials_enc VARCHAR(4096) CHARACTER SET ascii NOT NULL,
    base_url VARCHAR(500) NULL,
    interval_seconds INT NOT NULL DEFAULT 900,
    paused TINYINT(1) NOT NULL DEFAULT 0,
    report_sales TINYINT(1) NOT NULL DEFAULT 0,
    sync_cursor TEXT NULL,
    last_run_id ${UUID} NULL,
    last_run_at DATETIME(3) NULL,
    last_run_status VARCHAR(16) NULL,
    last_success_at DATETIME(3) NULL,
    auth_failed_at DATETIME(3) NULL,
    auth_error VARCHAR(500) NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_pos_connections_location_vendor (location_id, vendor),
    KEY ix_pos_connections_entity (entity_id, created_at),
    CONSTRAINT fk_pos_connections_entity FOREIGN KEY (entity_id) REFERENCES entities (id),
    CONSTRAINT fk_pos_connections_location FOREIGN KEY (location_id) REFERENCES locations (id),
    CONSTRAINT ck_pos_connections_interval CHECK (interval_seconds >= 60)
  ) ${TABLE}`,
  // One row per posSync execution chain (continue-as-new keeps the same run). workflow_id is
  // unique so a retried "start run" activity finds its row instead of making a second one.
  `CREATE TABLE sync_runs (
    id ${UUID} NOT NULL PRIMARY KEY,
    connection_id ${UUID} NOT NULL,
    entity_id ${UUID} NOT NULL,
    workflow_id VARCHAR(255) CHARACTER SET ascii NOT NULL,
    status VARCHAR(16) NOT NULL,
    mode VARCHAR(16) NOT NULL,
    fetched INT NOT NULL DEFAULT 0,
    created INT NOT NULL DEFAULT 0,
    updated INT NOT NULL DEFAULT 0,
    unchanged INT NOT NULL DEFAULT 0,
    zeroed INT NOT NULL DEFAULT 0,
    item_errors INT NOT NULL DEFAULT 0,
    sales_reported INT NOT NULL DEFAULT 0,
    phase VARCHAR(16) NOT NULL DEFAULT 'starting',
    pages INT NOT NULL DEFAULT 0,
    started_at ${TS},
    finished_at DATETIME(3) NULL,
    duration_ms BIGINT NULL,
    error_type VARCHAR(64) NULL,
    error VARCHAR(2000) NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_sync_runs_workflow (workflow_id),
    KEY ix_sync_runs_connection_started (connection_id, started_at),
    KEY ix_sync_runs_status_started (status, started_at),
    KEY ix_sync_runs_entity_started (entity_id, started_at),
    CONSTRAINT fk_sync_runs_connection FOREIGN KEY (connection_id) REFERENCES pos_connections (id) ON DELETE CASCADE
  ) ${TABLE}`,
  // item_key is the vendor id, or "#<position>" when the record had none; unique per run so a
  // retried page does not record the same bad record twice.
  `CREATE TABLE sync_item_errors (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    run_id ${UUID} NOT NULL,
    item_key VARCHAR(191) NOT NULL,
    vendor_item_id VARCHAR(128) NULL,
    reason VARCHAR(1000) NOT NULL,
    created_at ${TS},
    UNIQUE KEY uq_sync_item_errors_run_item (run_id, item_key),
    CONSTRAINT fk_sync_item_errors_run FOREIGN KEY (run_id) REFERENCES sync_runs (id) ON DELETE CASCADE
  ) ${TABLE}`,
  // Synced products are keyed by SKU within their entity, so every location's connection feeds the
  // same product and variant; manually created products keep pos_sync_key NULL.
  `ALTER TABLE products
    ADD COLUMN pos_sync_key VARCHAR(64) NULL,
    ADD UNIQUE KEY uq_products_entity_pos_sync_key (entity_id, pos_sync_key)`,
  // pos_quantity keeps the vendor's exact (possibly fractional, e.g. grams) stock;
  // quantity_on_hand is its whole-unit floor. pos_seen_run marks rows a snapshot has touched, so
  // what disappeared is found in the database, never in worker memory.
  `ALTER TABLE inventory
    ADD COLUMN pos_connection_id ${UUID} NULL,
    ADD COLUMN vendor_item_id VARCHAR(128) NULL,
    ADD COLUMN pos_quantity DECIMAL(16,4) NULL,
    ADD COLUMN pos_seen_run ${UUID} NULL,
    ADD KEY ix_inventory_pos_seen (pos_connection_id, pos_seen_run),
    ADD KEY ix_inventory_pos_vendor_item (pos_connection_id, vendor_item_id)`,
];

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const sql of statements) await sequelize.query(sql);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`ALTER TABLE inventory
    DROP KEY ix_inventory_pos_vendor_item, DROP KEY ix_inventory_pos_seen,
    DROP COLUMN pos_seen_run, DROP COLUMN pos_quantity, DROP COLUMN vendor_item_id, DROP COLUMN pos_connection_id`);
  await sequelize.query('ALTER TABLE products DROP KEY uq_products_entity_pos_sync_key, DROP COLUMN pos_sync_key');
  for (const t of ['sync_item_errors', 'sync_runs', 'pos_connections']) await sequelize.query(`DROP TABLE IF EXISTS ${t}`);
};
