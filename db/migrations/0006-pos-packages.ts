import type { Migration } from '../migrator.js';
import { UUID, TS, TABLE } from './sql.js';

/** A run id no run has: packages taken over from 0005 stock rows that no run had marked. */
const NO_RUN = '00000000-0000-0000-0000-000000000000';

const statements = [
  // One row per vendor inventory record a connection feeds: a package (batch) of a product at the
  // location (Dutchie lists one record per package; BLAZE one per product). Several packages may
  // share a SKU, so they point at the one stock row of that variant and location, which holds the
  // sum of their quantities. Each keeps its own METRC label and vendor quantity.
  // pos_seen_run marks packages a snapshot has listed; a package a completed snapshot no longer
  // lists is zeroed and retired (pos_seen_run NULL), so later runs' zeroing skips it by index.
  // vendor_item_id compares byte-wise: vendor ids are case-sensitive.
  `CREATE TABLE inventory_packages (
    id ${UUID} NOT NULL PRIMARY KEY,
    pos_connection_id ${UUID} NOT NULL,
    vendor_item_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    inventory_id ${UUID} NOT NULL,
    metrc_package_label VARCHAR(24) CHARACTER SET ascii NULL,
    pos_quantity DECIMAL(16,4) NOT NULL DEFAULT 0,
    pos_seen_run ${UUID} NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_inventory_packages_vendor_item (pos_connection_id, vendor_item_id),
    KEY ix_inventory_packages_seen (pos_connection_id, pos_seen_run),
    KEY ix_inventory_packages_inventory (inventory_id),
    CONSTRAINT fk_inventory_packages_connection FOREIGN KEY (pos_connection_id) REFERENCES pos_connections (id) ON DELETE CASCADE,
    CONSTRAINT fk_inventory_packages_inventory FOREIGN KEY (inventory_id) REFERENCES inventory (id) ON DELETE CASCADE
  ) ${TABLE}`,
  // Stock rows fed under 0005 held exactly one vendor item each: it becomes their package. Labels
  // are not copied (the row's label may have been set by hand); the next snapshot sends the
  // vendor's. Should two rows name the same vendor item, the most recently updated one wins.
  `INSERT INTO inventory_packages (id, pos_connection_id, vendor_item_id, inventory_id, metrc_package_label, pos_quantity, pos_seen_run, created_at, updated_at)
   SELECT UUID(), pos_connection_id, vendor_item_id, id, NULL, COALESCE(pos_quantity, 0),
          IF(COALESCE(pos_quantity, 0) = 0, NULL, COALESCE(pos_seen_run, '${NO_RUN}')), created_at, updated_at
     FROM inventory
    WHERE pos_connection_id IS NOT NULL AND vendor_item_id IS NOT NULL
    ORDER BY updated_at, id
   ON DUPLICATE KEY UPDATE inventory_id = VALUES(inventory_id), pos_quantity = VALUES(pos_quantity), pos_seen_run = VALUES(pos_seen_run)`,
];

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const sql of statements) await sequelize.query(sql);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('DROP TABLE IF EXISTS inventory_packages');
};
