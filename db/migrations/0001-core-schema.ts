import type { Migration } from '../migrator.js';

// UUIDs are stored as CHAR(36) ascii: portable between MySQL 8 and MariaDB, readable in a
// SQL console, and compared byte-wise (ascii_bin) so index lookups stay cheap.
const UUID = 'CHAR(36) CHARACTER SET ascii COLLATE ascii_bin';
const TS = 'DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)';
const TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

const statements = [
  `CREATE TABLE entities (
    id ${UUID} NOT NULL PRIMARY KEY,
    type VARCHAR(16) NOT NULL,
    name VARCHAR(200) NOT NULL,
    license_number VARCHAR(64) NOT NULL,
    license_state CHAR(2) NOT NULL,
    license_type VARCHAR(64) NOT NULL,
    license_expires_on DATE NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_entities_license (license_number),
    KEY ix_entities_type_name (type, name),
    KEY ix_entities_state (license_state, type),
    FULLTEXT KEY ft_entities_name (name)
  ) ${TABLE}`,
  `CREATE TABLE locations (
    id ${UUID} NOT NULL PRIMARY KEY,
    entity_id ${UUID} NOT NULL,
    name VARCHAR(200) NOT NULL,
    address_line1 VARCHAR(200) NOT NULL,
    address_line2 VARCHAR(200) NULL,
    city VARCHAR(100) NOT NULL,
    state CHAR(2) NOT NULL,
    postal_code VARCHAR(16) NOT NULL,
    license_number VARCHAR(64) NOT NULL,
    timezone VARCHAR(64) NOT NULL DEFAULT 'America/Denver',
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_locations_license (license_number),
    KEY ix_locations_entity (entity_id, name),
    CONSTRAINT fk_locations_entity FOREIGN KEY (entity_id) REFERENCES entities (id)
  ) ${TABLE}`,
  `CREATE TABLE users (
    id ${UUID} NOT NULL PRIMARY KEY,
    email VARCHAR(254) NOT NULL,
    name VARCHAR(200) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    role VARCHAR(16) NOT NULL,
    entity_id ${UUID} NULL,
    entity_role VARCHAR(16) NULL,
    mfa_secret_enc VARCHAR(512) NULL,
    mfa_enabled TINYINT(1) NOT NULL DEFAULT 0,
    disabled_at DATETIME(3) NULL,
    last_login_at DATETIME(3) NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_users_email (email),
    KEY ix_users_entity (entity_id),
    CONSTRAINT fk_users_entity FOREIGN KEY (entity_id) REFERENCES entities (id)
  ) ${TABLE}`,
  `CREATE TABLE user_sessions (
    id ${UUID} NOT NULL PRIMARY KEY,
    user_id ${UUID} NOT NULL,
    token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    expires_at DATETIME(3) NOT NULL,
    idle_expires_at DATETIME(3) NOT NULL,
    last_used_at DATETIME(3) NULL,
    mfa_verified TINYINT(1) NOT NULL DEFAULT 0,
    ip VARCHAR(64) NULL,
    user_agent VARCHAR(512) NULL,
    revoked_at DATETIME(3) NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_sessions_token (token_hash),
    KEY ix_sessions_user (user_id, created_at),
    CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
  ) ${TABLE}`,
  `CREATE TABLE products (
    id ${UUID} NOT NULL PRIMARY KEY,
    entity_id ${UUID} NOT NULL,
    name VARCHAR(200) NOT NULL,
    category VARCHAR(100) NOT NULL,
    brand VARCHAR(100) NULL,
    description TEXT NULL,
    created_at ${TS}, updated_at ${TS},
    KEY ix_products_entity_created (entity_id, created_at),
    KEY ix_products_entity_category (entity_id, category, name),
    KEY ix_products_category_name (category, name),
    KEY ix_products_created (created_at),
    FULLTEXT KEY ft_products_search (name, brand, category, description),
    CONSTRAINT fk_products_entity FOREIGN KEY (entity_id) REFERENCES entities (id)
  ) ${TABLE}`,
  `CREATE TABLE product_variants (
    id ${UUID} NOT NULL PRIMARY KEY,
    product_id ${UUID} NOT NULL,
    entity_id ${UUID} NOT NULL,
    sku VARCHAR(64) NOT NULL,
    name VARCHAR(200) NOT NULL,
    price_minor BIGINT NOT NULL,
    currency CHAR(3) NOT NULL DEFAULT 'USD',
    unit_of_measure VARCHAR(32) NOT NULL DEFAULT 'Each',
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_variants_entity_sku (entity_id, sku),
    KEY ix_variants_product (product_id, created_at),
    CONSTRAINT fk_variants_product FOREIGN KEY (product_id) REFERENCES products (id),
    CONSTRAINT fk_variants_entity FOREIGN KEY (entity_id) REFERENCES entities (id)
  ) ${TABLE}`,
  `CREATE TABLE inventory (
    id ${UUID} NOT NULL PRIMARY KEY,
    variant_id ${UUID} NOT NULL,
    product_id ${UUID} NOT NULL,
    location_id ${UUID} NOT NULL,
    entity_id ${UUID} NOT NULL,
    quantity_on_hand INT NOT NULL DEFAULT 0,
    quantity_reserved INT NOT NULL DEFAULT 0,
    metrc_package_label VARCHAR(24) CHARACTER SET ascii NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_inventory_variant_location (variant_id, location_id),
    KEY ix_inventory_location_product (location_id, product_id),
    KEY ix_inventory_product (product_id),
    KEY ix_inventory_entity_updated (entity_id, updated_at),
    KEY ix_inventory_label (metrc_package_label),
    CONSTRAINT fk_inventory_variant FOREIGN KEY (variant_id) REFERENCES product_variants (id),
    CONSTRAINT fk_inventory_product FOREIGN KEY (product_id) REFERENCES products (id),
    CONSTRAINT fk_inventory_location FOREIGN KEY (location_id) REFERENCES locations (id),
    CONSTRAINT fk_inventory_entity FOREIGN KEY (entity_id) REFERENCES entities (id),
    CONSTRAINT ck_inventory_quantities CHECK (quantity_on_hand >= 0 AND quantity_reserved >= 0 AND quantity_reserved <= quantity_on_hand)
  ) ${TABLE}`,
  `CREATE TABLE orders (
    id ${UUID} NOT NULL PRIMARY KEY,
    order_number VARCHAR(32) CHARACTER SET ascii NOT NULL,
    retailer_id ${UUID} NOT NULL,
    wholesaler_id ${UUID} NOT NULL,
    ship_from_location_id ${UUID} NOT NULL,
    ship_to_location_id ${UUID} NOT NULL,
    status VARCHAR(16) NOT NULL,
    currency CHAR(3) NOT NULL DEFAULT 'USD',
    subtotal_minor BIGINT NOT NULL DEFAULT 0,
    total_minor BIGINT NOT NULL DEFAULT 0,
    item_count INT NOT NULL DEFAULT 0,
    requested_delivery_date DATE NULL,
    notes VARCHAR(2000) NULL,
    version INT NOT NULL DEFAULT 1,
    workflow_id VARCHAR(80) CHARACTER SET ascii NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_orders_number (order_number),
    KEY ix_orders_wholesaler_status_created (wholesaler_id, status, created_at),
    KEY ix_orders_retailer_status_created (retailer_id, status, created_at),
    KEY ix_orders_wholesaler_created (wholesaler_id, created_at),
    KEY ix_orders_retailer_created (retailer_id, created_at),
    KEY ix_orders_status_created (status, created_at),
    KEY ix_orders_created (created_at),
    KEY ix_orders_ship_from (ship_from_location_id),
    KEY ix_orders_ship_to (ship_to_location_id),
    CONSTRAINT fk_orders_retailer FOREIGN KEY (retailer_id) REFERENCES entities (id),
    CONSTRAINT fk_orders_wholesaler FOREIGN KEY (wholesaler_id) REFERENCES entities (id),
    CONSTRAINT fk_orders_ship_from FOREIGN KEY (ship_from_location_id) REFERENCES locations (id),
    CONSTRAINT fk_orders_ship_to FOREIGN KEY (ship_to_location_id) REFERENCES locations (id)
  ) ${TABLE}`,
  `CREATE TABLE order_items (
    id ${UUID} NOT NULL PRIMARY KEY,
    order_id ${UUID} NOT NULL,
    product_id ${UUID} NOT NULL,
    variant_id ${UUID} NOT NULL,
    quantity INT NOT NULL,
    unit_price_minor BIGINT NOT NULL,
    line_total_minor BIGINT NOT NULL,
    metrc_package_label VARCHAR(24) CHARACTER SET ascii NULL,
    created_at ${TS}, updated_at ${TS},
    UNIQUE KEY uq_order_items_variant (order_id, variant_id),
    KEY ix_order_items_product (product_id),
    KEY ix_order_items_variant (variant_id),
    CONSTRAINT fk_order_items_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT fk_order_items_product FOREIGN KEY (product_id) REFERENCES products (id),
    CONSTRAINT fk_order_items_variant FOREIGN KEY (variant_id) REFERENCES product_variants (id),
    CONSTRAINT ck_order_items_quantity CHECK (quantity > 0)
  ) ${TABLE}`,
  `CREATE TABLE idempotency_keys (
    id ${UUID} NOT NULL PRIMARY KEY,
    scope VARCHAR(100) CHARACTER SET ascii NOT NULL,
    idem_key VARCHAR(255) NOT NULL,
    method VARCHAR(8) NOT NULL,
    path VARCHAR(512) NOT NULL,
    request_hash CHAR(64) CHARACTER SET ascii NOT NULL,
    status VARCHAR(16) NOT NULL,
    response_status INT NULL,
    response_body LONGTEXT NULL,
    response_location VARCHAR(512) NULL,
    created_at ${TS},
    expires_at DATETIME(3) NOT NULL,
    UNIQUE KEY uq_idempotency (scope, idem_key),
    KEY ix_idempotency_expires (expires_at)
  ) ${TABLE}`,
];

const tables = ['idempotency_keys', 'order_items', 'orders', 'inventory', 'product_variants', 'products', 'user_sessions', 'users', 'locations', 'entities'];

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const sql of statements) await sequelize.query(sql);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  for (const t of tables) await sequelize.query(`DROP TABLE IF EXISTS ${t}`);
};
