import type { Migration } from '../migrator.js';
import { UUID, TS, TABLE } from './sql.js';

/**
 * The order read model the lifecycle workflow maintains:
 * - `order_events`: the timeline. `event_key` is derived from the workflow's transition number, so
 *   an activity retried after a crash finds its own row and writes nothing twice.
 * - `stock_reservations`: exactly what an accepted order holds at its ship-from location, per
 *   inventory row. Release and ship consume these rows, so compensation gives back precisely what
 *   was taken, and a retried reserve sees the rows and does nothing.
 * - orders gain the accept deadline and the METRC transfer state shown to callers.
 */
const statements = [
  `CREATE TABLE order_events (
    id ${UUID} NOT NULL PRIMARY KEY,
    order_id ${UUID} NOT NULL,
    event_key VARCHAR(120) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    seq INT NOT NULL,
    type VARCHAR(32) NOT NULL,
    from_status VARCHAR(16) NULL,
    to_status VARCHAR(16) NULL,
    actor_kind VARCHAR(16) NOT NULL,
    actor_id VARCHAR(64) NOT NULL,
    actor_role VARCHAR(16) NOT NULL,
    actor_label VARCHAR(200) NULL,
    reason VARCHAR(1000) NULL,
    detail JSON NULL,
    occurred_at DATETIME(3) NOT NULL,
    published_at DATETIME(3) NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_order_events_key (event_key),
    KEY ix_order_events_order (order_id, seq),
    CONSTRAINT fk_order_events_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
  ) ${TABLE}`,
  `CREATE TABLE stock_reservations (
    id ${UUID} NOT NULL PRIMARY KEY,
    order_id ${UUID} NOT NULL,
    order_item_id ${UUID} NOT NULL,
    inventory_id ${UUID} NOT NULL,
    quantity INT NOT NULL,
    state VARCHAR(16) NOT NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_reservations_item (order_id, order_item_id),
    KEY ix_reservations_inventory (inventory_id, state),
    CONSTRAINT fk_reservations_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_reservations_inventory FOREIGN KEY (inventory_id) REFERENCES inventory (id),
    CONSTRAINT ck_reservations_quantity CHECK (quantity > 0)
  ) ${TABLE}`,
  `ALTER TABLE orders
    ADD COLUMN expires_at DATETIME(3) NULL AFTER workflow_id,
    ADD COLUMN metrc_state VARCHAR(24) NOT NULL DEFAULT 'none' AFTER expires_at,
    ADD COLUMN metrc_manifest_number VARCHAR(64) NULL AFTER metrc_state,
    ADD COLUMN metrc_template_id BIGINT NULL AFTER metrc_manifest_number,
    ADD COLUMN metrc_detail VARCHAR(1000) NULL AFTER metrc_template_id,
    ADD COLUMN compliance_override_reason VARCHAR(1000) NULL AFTER metrc_detail`,
];

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const sql of statements) await sequelize.query(sql);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(
    `ALTER TABLE orders DROP COLUMN compliance_override_reason, DROP COLUMN metrc_detail, DROP COLUMN metrc_template_id,
      DROP COLUMN metrc_manifest_number, DROP COLUMN metrc_state, DROP COLUMN expires_at`,
  );
  await sequelize.query('DROP TABLE IF EXISTS stock_reservations');
  await sequelize.query('DROP TABLE IF EXISTS order_events');
};
