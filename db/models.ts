import { DataTypes, type Model, type ModelAttributes, type ModelStatic, type Sequelize } from 'sequelize';

/**
 * Sequelize models over the tables the migrations create. Attribute names equal column names
 * (snake_case), which are also the API field names, so rows map to answers without renaming.
 * Schema changes happen in migrations only; these definitions never sync().
 */
export type Row = Record<string, unknown>;
export type AnyModel = ModelStatic<Model<Row, Row>>;

// Factories, not shared constants: Sequelize writes into attribute definitions (field names),
// so one object reused across columns silently drops columns from INSERTs.
const uuid = () => ({ type: DataTypes.CHAR(36), allowNull: false });
const id = () => ({ ...uuid(), primaryKey: true });
const optionalUuid = () => ({ type: DataTypes.CHAR(36), allowNull: true });
const str = (len = 255, allowNull = false) => ({ type: DataTypes.STRING(len), allowNull });
const int = (allowNull = false) => ({ type: DataTypes.INTEGER, allowNull });
const bigint = () => ({ type: DataTypes.BIGINT, allowNull: false });
const date = () => ({ type: DataTypes.DATEONLY, allowNull: true });
const time = (allowNull = true) => ({ type: DataTypes.DATE(3), allowNull });

const definitions = {
  Entity: {
    table: 'entities',
    attrs: {
      id: id(),
      type: str(16),
      name: str(200),
      license_number: str(64),
      license_state: str(2),
      license_type: str(64),
      license_expires_on: date(),
    },
  },
  Location: {
    table: 'locations',
    attrs: {
      id: id(),
      entity_id: uuid(),
      name: str(200),
      address_line1: str(200),
      address_line2: str(200, true),
      city: str(100),
      state: str(2),
      postal_code: str(16),
      license_number: str(64),
      timezone: { ...str(64), defaultValue: 'America/Denver' },
    },
  },
  User: {
    table: 'users',
    attrs: {
      id: id(),
      email: str(254),
      name: str(200),
      password_hash: str(255),
      role: str(16),
      entity_id: optionalUuid(),
      entity_role: str(16, true),
      mfa_secret_enc: str(512, true),
      mfa_enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      mfa_pending_secret_enc: str(512, true),
      disabled_at: time(),
      last_login_at: time(),
    },
  },
  UserSession: {
    table: 'user_sessions',
    attrs: {
      id: id(),
      user_id: uuid(),
      token_hash: str(64),
      expires_at: time(false),
      idle_expires_at: time(false),
      last_used_at: time(),
      mfa_verified: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      ip: str(64, true),
      user_agent: str(512, true),
      revoked_at: time(),
    },
  },
  ApiKey: {
    table: 'api_keys',
    attrs: {
      id: id(),
      entity_id: uuid(),
      name: str(100),
      prefix: str(16),
      secret_hash: str(64),
      scopes: str(512),
      rate_limit_per_minute: int(true),
      created_by_user_id: optionalUuid(),
      expires_at: time(),
      last_used_at: time(),
      revoked_at: time(),
    },
  },
  Product: {
    table: 'products',
    attrs: {
      id: id(),
      entity_id: uuid(),
      name: str(200),
      category: str(100),
      brand: str(100, true),
      strain: str(100, true),
      description: { type: DataTypes.TEXT, allowNull: true },
    },
  },
  ProductVariant: {
    table: 'product_variants',
    attrs: {
      id: id(),
      product_id: uuid(),
      entity_id: uuid(),
      sku: str(64),
      name: str(200),
      price_minor: bigint(),
      currency: { ...str(3), defaultValue: 'USD' },
      unit_of_measure: { ...str(32), defaultValue: 'Each' },
    },
  },
  Inventory: {
    table: 'inventory',
    attrs: {
      id: id(),
      variant_id: uuid(),
      product_id: uuid(),
      location_id: uuid(),
      entity_id: uuid(),
      quantity_on_hand: int(),
      quantity_reserved: { ...int(), defaultValue: 0 },
      metrc_package_label: str(24, true),
    },
  },
  Order: {
    table: 'orders',
    attrs: {
      id: id(),
      order_number: str(32),
      retailer_id: uuid(),
      wholesaler_id: uuid(),
      ship_from_location_id: uuid(),
      ship_to_location_id: uuid(),
      status: str(16),
      currency: str(3),
      subtotal_minor: bigint(),
      total_minor: bigint(),
      item_count: int(),
      requested_delivery_date: date(),
      notes: str(2000, true),
      version: int(),
      workflow_id: str(80, true),
      expires_at: time(),
      metrc_state: { ...str(24), defaultValue: 'none' },
      metrc_manifest_number: str(64, true),
      metrc_template_id: { type: DataTypes.BIGINT, allowNull: true },
      metrc_detail: str(1000, true),
      compliance_override_reason: str(1000, true),
    },
  },
  OrderItem: {
    table: 'order_items',
    attrs: {
      id: id(),
      order_id: uuid(),
      product_id: uuid(),
      variant_id: uuid(),
      quantity: int(),
      unit_price_minor: bigint(),
      line_total_minor: bigint(),
      metrc_package_label: str(24, true),
    },
  },
  OrderEvent: {
    table: 'order_events',
    attrs: {
      id: id(),
      order_id: uuid(),
      event_key: str(120),
      seq: int(),
      type: str(32),
      from_status: str(16, true),
      to_status: str(16, true),
      actor_kind: str(16),
      actor_id: str(64),
      actor_role: str(16),
      actor_label: str(200, true),
      reason: str(1000, true),
      detail: { type: DataTypes.JSON, allowNull: true },
      occurred_at: time(false),
      published_at: time(),
    },
  },
  StockReservation: {
    table: 'stock_reservations',
    attrs: {
      id: id(),
      order_id: uuid(),
      order_item_id: uuid(),
      inventory_id: uuid(),
      quantity: int(),
      state: str(16),
    },
  },
  PosConnection: {
    table: 'pos_connections',
    attrs: {
      id: id(),
      entity_id: uuid(),
      location_id: uuid(),
      vendor: str(16),
      name: str(200, true),
      credentials_enc: str(4096),
      base_url: str(500, true),
      interval_seconds: int(),
      paused: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      report_sales: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      sync_cursor: { type: DataTypes.TEXT, allowNull: true },
      last_run_id: optionalUuid(),
      last_run_at: time(),
      last_run_status: str(16, true),
      last_success_at: time(),
      auth_failed_at: time(),
      auth_error: str(500, true),
    },
  },
  SyncRun: {
    table: 'sync_runs',
    attrs: {
      id: id(),
      connection_id: uuid(),
      entity_id: uuid(),
      workflow_id: str(255),
      status: str(16),
      mode: str(16),
      fetched: int(),
      created: int(),
      updated: int(),
      unchanged: int(),
      zeroed: int(),
      item_errors: int(),
      sales_reported: int(),
      phase: str(16),
      pages: int(),
      started_at: time(false),
      finished_at: time(),
      duration_ms: { type: DataTypes.BIGINT, allowNull: true },
      error_type: str(64, true),
      error: str(2000, true),
    },
  },
} satisfies Record<string, { table: string; attrs: ModelAttributes }>;

export type ModelName = keyof typeof definitions;
export type Models = Record<ModelName, AnyModel>;

/** A model's columns as the migrations create them: its attributes and the two timestamps. */
export type ColumnsOf<N extends ModelName> = Extract<keyof (typeof definitions)[N]['attrs'], string> | 'created_at' | 'updated_at';
export const tableOf = (name: ModelName): string => definitions[name].table;
export const columnsOf = <N extends ModelName>(name: N): Array<ColumnsOf<N>> =>
  [...Object.keys(definitions[name].attrs), 'created_at', 'updated_at'] as Array<ColumnsOf<N>>;

const cache = new WeakMap<Sequelize, Models>();

export function models(sequelize: Sequelize): Models {
  let m = cache.get(sequelize);
  if (!m) {
    m = Object.fromEntries(
      Object.entries(definitions).map(([name, def]) => [
        name,
        // The timestamps Sequelize adds itself are DATE without precision, which it writes
        // truncated to the second while answering with the in-memory milliseconds: an update's
        // answer and a later GET then differed and so did their ETags (issue 14.4). The columns
        // are DATETIME(3); say so.
        sequelize.define(name, { ...(def.attrs as ModelAttributes), created_at: time(false), updated_at: time(false) }, {
          tableName: def.table,
          underscored: true,
          timestamps: true,
          createdAt: 'created_at',
          updatedAt: 'updated_at',
        }) as AnyModel,
      ]),
    ) as Models;
    cache.set(sequelize, m);
  }
  return m;
}
