import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { METRC_PENDING_STATES, type MetrcState } from '../../domain/orders/status.js';
import { models, type ColumnsOf } from '../models.js';
import { insertRows } from '../rows.js';
import { sqlDateTime, type ScriptedTransaction, type Statement } from '../tx.js';

/**
 * The `orders`, `order_items` and `order_events` tables: what the order intake (api/services/
 * orders.ts) and the read-model activity (activities/orders.ts) read and write. Statements are
 * returned for the one-round-trip writer (db/tx.ts); reads run on Sequelize's pool.
 */
export type Row = Record<string, unknown>;
type Opt = { transaction?: Transaction };
const inTx = (transaction?: Transaction) => (transaction ? { transaction } : {});

/** Who did it, as the timeline records it. */
export interface TimelineActor {
  kind: string;
  id: string;
  role: string;
  label?: string;
}

// ---- intake ------------------------------------------------------------------------------------

export type OrderReference = { kind: 'entity' | 'location' | 'variant'; id: string; type: string | null; name: string | null; entity_id: string | null } & Row;

/**
 * Both parties, both sites and every line's variant in one round trip, with the names the answer
 * shows (api/services/names.ts): parties' and sites' names and licences, each variant's product,
 * brand, SKU, strain and unit. A variant's `name` is the variant's own.
 */
export async function orderReferences(
  sequelize: Sequelize,
  ids: { retailerId: string; wholesalerId: string; fromLocationId: string; toLocationId: string; variantIds: string[] },
): Promise<OrderReference[]> {
  const [rows] = (await sequelize.query(
    `SELECT 'entity' AS kind, id, type, name, NULL AS entity_id, NULL AS product_id, NULL AS price_minor, NULL AS currency,
            license_number, license_expires_on, NULL AS sku, NULL AS unit_of_measure, NULL AS product_name, NULL AS brand,
            NULL AS strain, NULL AS category FROM entities WHERE id IN (?, ?)
     UNION ALL
     SELECT 'location', id, NULL, name, entity_id, NULL, NULL, NULL, license_number, NULL, NULL, NULL, NULL, NULL, NULL, NULL
       FROM locations WHERE id IN (?, ?)
     UNION ALL
     SELECT 'variant', v.id, NULL, v.name, v.entity_id, v.product_id, v.price_minor, v.currency, NULL, NULL, v.sku, v.unit_of_measure,
            p.name, p.brand, p.strain, p.category
       FROM product_variants v JOIN products p ON p.id = v.product_id WHERE v.id IN (?)`,
    { replacements: [ids.retailerId, ids.wholesalerId, ids.fromLocationId, ids.toLocationId, ids.variantIds] },
  )) as unknown as [OrderReference[]];
  return rows;
}

/** The variants a line may name, for pricing an added line. */
export async function variantPrices(sequelize: Sequelize, ids: string[], { transaction }: Opt = {}): Promise<Row[]> {
  const [variants] = (await sequelize.query('SELECT id, entity_id, product_id, price_minor, currency FROM product_variants WHERE id IN (?)', {
    replacements: [ids],
    ...inTx(transaction),
  })) as unknown as [Row[]];
  return variants;
}

/** Both parties' licences (acceptance checks them again). */
export async function partyLicences(sequelize: Sequelize, ids: [string, string]): Promise<Row[]> {
  return sequelize.query<Row>('SELECT id, license_number, license_expires_on FROM entities WHERE id IN (?, ?)', {
    replacements: ids,
    type: QueryTypes.SELECT,
  });
}

/**
 * A new order, its lines and the timeline's first entry (seq 0, submitted, by its buyer, marked
 * published because the API's answer is what tells live listeners) as statements that commit
 * together. Column lists come from the models (db/rows.ts).
 */
export function newOrderStatements(
  order: Record<ColumnsOf<'Order'>, unknown>,
  items: Array<Record<ColumnsOf<'OrderItem'>, unknown>>,
  actor: TimelineActor,
): Statement[] {
  const id = String(order.id);
  return [
    insertRows('Order', [order]),
    insertRows('OrderItem', items),
    {
      sql: `INSERT INTO order_events (id, order_id, event_key, seq, type, from_status, to_status, actor_kind, actor_id, actor_role, actor_label, reason, detail, occurred_at, published_at)
             VALUES (?, ?, ?, 0, 'status_changed', NULL, 'submitted', ?, ?, ?, ?, NULL, NULL, ?, CURRENT_TIMESTAMP(3))`,
      values: [randomUUID(), id, `${id}:0`, actor.kind, actor.id.slice(0, 64), actor.role, actor.label?.slice(0, 200) ?? null, sqlDateTime(order.created_at as Date)],
    },
  ];
}

// ---- reads after a change ------------------------------------------------------------------------

export async function orderItemIds(sequelize: Sequelize, orderId: string, { transaction }: Opt = {}): Promise<string[]> {
  const rows = await sequelize.query<{ id: string }>('SELECT id FROM order_items WHERE order_id = ?', {
    replacements: [orderId],
    type: QueryTypes.SELECT,
    ...inTx(transaction),
  });
  return rows.map((r) => r.id);
}

/**
 * The order and its lines in one round trip, by id alone (the caller checked visibility): the
 * order's columns, and each line's `fields`; undefined when there is no such order.
 */
export async function orderWithItems(sequelize: Sequelize, id: string, fields: readonly string[]): Promise<{ order: Row; items: Row[] } | undefined> {
  const itemColumns = fields.map((f) => `i.${f} AS item__${f}`).join(', ');
  const rows = await sequelize.query<Row>(
    `SELECT o.*, ${itemColumns} FROM orders o LEFT JOIN order_items i ON i.order_id = o.id WHERE o.id = ? ORDER BY i.created_at, i.id`,
    { replacements: [id], type: QueryTypes.SELECT },
  );
  if (!rows.length) return undefined;
  const order = Object.fromEntries(Object.entries(rows[0]!).filter(([k]) => !k.startsWith('item__')));
  const items = rows.filter((r) => r.item__id != null).map((r) => Object.fromEntries(fields.map((f) => [f, r[`item__${f}`]])));
  return { order, items };
}

/** Each line's product and quantity, and the packages the labels name at the ship-from site (hub stock and POS packages). */
export async function fulfilmentFacts(sequelize: Sequelize, orderId: string, locationId: string, labels: string[]): Promise<{ lines: Row[]; known: Row[] }> {
  const [lines, known] = await Promise.all([
    sequelize.query<Row>('SELECT id, product_id, quantity FROM order_items WHERE order_id = ?', { replacements: [orderId], type: QueryTypes.SELECT }),
    sequelize.query<Row>(
      `SELECT p.metrc_package_label AS label, i.product_id, p.pos_quantity AS quantity, (p.pos_seen_run IS NOT NULL AND p.pos_quantity > 0) AS active, 'pos' AS source
         FROM inventory i JOIN inventory_packages p ON p.inventory_id = i.id
        WHERE i.location_id = ? AND p.metrc_package_label IN (?)
       UNION ALL
       SELECT i.metrc_package_label, i.product_id, i.quantity_on_hand, i.quantity_on_hand > 0, 'inventory'
         FROM inventory i WHERE i.location_id = ? AND i.metrc_package_label IN (?)`,
      { replacements: [locationId, labels, locationId, labels], type: QueryTypes.SELECT },
    ),
  ]);
  return { lines, known };
}

/** Lines changed: the order's totals and count follow, and its version moves on. */
export async function recomputeTotals(sequelize: Sequelize, orderId: string, transaction: Transaction): Promise<void> {
  const [rows] = await sequelize.query('SELECT COALESCE(SUM(line_total_minor), 0) AS subtotal, COUNT(*) AS n FROM order_items WHERE order_id = ?', {
    replacements: [orderId],
    transaction,
  });
  const r = (rows as Array<{ subtotal: string | number; n: number }>)[0]!;
  const subtotal = Number(r.subtotal);
  await models(sequelize).Order.update(
    { subtotal_minor: subtotal, total_minor: subtotal, item_count: Number(r.n), version: sequelize.literal('version + 1') },
    { where: { id: orderId }, transaction },
  );
}

// ---- read-model steps (activities/orders.ts) ----------------------------------------------------

export interface OrderStep {
  orderId: string;
  type: 'status_changed' | 'metrc_status' | 'reminder_sent';
  seq: number;
  actor: TimelineActor;
  at: string;
  from?: string;
  to?: string;
  reason?: string | null;
  complianceOverride?: boolean;
  metrc?: { state: MetrcState; manifestNumber?: string; templateId?: number; detail?: string };
  detail?: Record<string, unknown>;
}

/** What a step needs to know of its order (and publishes). */
export type OrderFacts = { order_number: string; retailer_id: string; wholesaler_id: string; status: string };

/**
 * The step's timeline row. published_at is set with the row and cleared if the stream write then
 * fails: the common case costs no second statement.
 */
export function stepEventStatement(step: OrderStep, key: string): Statement {
  return {
    sql: `INSERT INTO order_events (id, order_id, event_key, seq, type, from_status, to_status, actor_kind, actor_id, actor_role, actor_label, reason, detail, occurred_at, published_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP(3))`,
    values: [
      randomUUID(), step.orderId, key, step.seq, step.type, step.from ?? null, step.to ?? null,
      step.actor.kind, step.actor.id.slice(0, 64), step.actor.role, step.actor.label?.slice(0, 200) ?? null,
      step.reason?.slice(0, 1000) ?? null,
      step.metrc || step.detail || step.complianceOverride ? JSON.stringify({ ...step.detail, ...(step.metrc ? { metrc: step.metrc } : {}), ...(step.complianceOverride ? { compliance_override: true } : {}) }) : null,
      sqlDateTime(new Date(step.at)),
    ],
  };
}

/** The `orders` row's change; none for a reminder, which is timeline-only. */
export function stepOrderUpdate(step: OrderStep): Statement | undefined {
  if (step.type === 'reminder_sent') return undefined;
  const sets: string[] = ['version = version + 1', 'updated_at = CURRENT_TIMESTAMP(3)'];
  const values: unknown[] = [];
  if (step.to) {
    sets.push('status = ?');
    values.push(step.to);
  }
  // Shipped on a compliance override: a transfer still pending settles as 'overridden', and a
  // pending report arriving afterwards does not bring it back (matched, failed and drift still
  // tell what METRC later says). Assignments run left to right, so the reason is set first.
  const pending = METRC_PENDING_STATES.map(() => '?').join(', ');
  if (step.complianceOverride) {
    sets.push('compliance_override_reason = ?', `metrc_state = IF(metrc_state IN (${pending}), 'overridden', metrc_state)`);
    values.push(step.reason?.slice(0, 1000) ?? null, ...METRC_PENDING_STATES);
  }
  if (step.metrc) {
    sets.push(
      `metrc_state = IF(compliance_override_reason IS NOT NULL AND ? IN (${pending}), 'overridden', ?)`,
      'metrc_manifest_number = COALESCE(?, metrc_manifest_number)', 'metrc_template_id = COALESCE(?, metrc_template_id)', 'metrc_detail = ?',
    );
    values.push(step.metrc.state, ...METRC_PENDING_STATES, step.metrc.state, step.metrc.manifestNumber ?? null, step.metrc.templateId ?? null, step.metrc.detail?.slice(0, 1000) ?? null);
  }
  return { sql: `UPDATE orders SET ${sets.join(', ')} WHERE id = ?`, values: [...values, step.orderId] };
}

export const labelStatements = (orderId: string, labels: Array<{ item_id: string; metrc_package_label: string }>): Statement[] =>
  labels.map((l) => ({ sql: 'UPDATE order_items SET metrc_package_label = ? WHERE id = ? AND order_id = ?', values: [l.metrc_package_label, l.item_id, orderId] }));

export async function readOrderFacts(sequelize: Sequelize, orderId: string): Promise<OrderFacts | undefined> {
  const rows = await sequelize.query<OrderFacts>('SELECT order_number, retailer_id, wholesaler_id, status FROM orders WHERE id = ?', {
    replacements: [orderId],
    type: QueryTypes.SELECT,
  });
  return rows[0];
}

/**
 * A step of an order the caller does not know (reminders): its timeline row and order change go
 * out with the reads the rest depends on (the lines, when labels must be checked; the order as
 * it is afterwards), in the transaction's first round trip. Answers what was read.
 */
export async function writeStepReading(tx: ScriptedTransaction, step: OrderStep, key: string, readLines: boolean): Promise<{ itemIds: string[]; order: OrderFacts | undefined }> {
  const update = stepOrderUpdate(step);
  const results = await tx.run([
    stepEventStatement(step, key),
    ...(update ? [update] : []),
    { sql: 'SELECT order_number, retailer_id, wholesaler_id, status FROM orders WHERE id = ?', values: [step.orderId] },
    ...(readLines ? [{ sql: 'SELECT id FROM order_items WHERE order_id = ?', values: [step.orderId] }] : []),
  ]);
  const [order, lines] = readLines ? results.slice(-2) : [results[results.length - 1], []];
  return { itemIds: (lines ?? []).map((r) => String(r.id)), order: order?.[0] as OrderFacts | undefined };
}

/** After the stream write: whether the step's timeline row counts as published. */
export async function markStepPublished(sequelize: Sequelize, key: string, published: boolean): Promise<void> {
  const sql = published
    ? 'UPDATE order_events SET published_at = CURRENT_TIMESTAMP(3) WHERE event_key = ? AND published_at IS NULL'
    : 'UPDATE order_events SET published_at = NULL WHERE event_key = ?';
  await sequelize.query(sql, { replacements: [key] });
}

// ---- the orphan reconciler (activities/orderReconciler.ts) ----------------------------------------

export type ReconcilableOrder = { id: string; workflow_id: string | null; status: string; order_number: string; retailer_id: string; wholesaler_id: string };

/** Orders in `statuses` with a workflow, untouched for `graceMs`, after `after` by id (keyset). */
export async function quietOrders(sequelize: Sequelize, statuses: readonly string[], graceMs: number, after: string | undefined, limit: number): Promise<ReconcilableOrder[]> {
  return sequelize.query<ReconcilableOrder>(
    `SELECT id, workflow_id, status, order_number, retailer_id, wholesaler_id FROM orders
      WHERE status IN (?) AND workflow_id IS NOT NULL AND updated_at < NOW(3) - INTERVAL ? MICROSECOND ${after ? 'AND id > ?' : ''}
      ORDER BY id LIMIT ?`,
    { replacements: [statuses, graceMs * 1000, ...(after ? [after] : []), limit], type: QueryTypes.SELECT },
  );
}

/** The timeline's next event number for an order written outside its workflow. */
export async function nextEventSeq(sequelize: Sequelize, orderId: string): Promise<number> {
  const [row] = await sequelize.query<{ seq: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM order_events WHERE order_id = ?', {
    replacements: [orderId],
    type: QueryTypes.SELECT,
  });
  return Number(row?.seq ?? 1);
}

/** What a METRC transfer template is built from: the order with both sites' licences, and its lines with their units. */
export async function transferFacts(sequelize: Sequelize, orderId: string): Promise<{ order: Row; items: Row[] } | undefined> {
  const [orders] = await sequelize.query(
    `SELECT o.id, o.order_number, o.requested_delivery_date, o.created_at,
            fl.license_number AS shipper, tl.license_number AS recipient
       FROM orders o
       JOIN locations fl ON fl.id = o.ship_from_location_id
       JOIN locations tl ON tl.id = o.ship_to_location_id
      WHERE o.id = ?`,
    { replacements: [orderId] },
  );
  const order = (orders as Row[])[0];
  if (!order) return undefined;
  const [items] = await sequelize.query(
    `SELECT i.id, i.metrc_package_label, i.line_total_minor, i.quantity, v.unit_of_measure
       FROM order_items i LEFT JOIN product_variants v ON v.id = i.variant_id
      WHERE i.order_id = ? ORDER BY i.created_at, i.id`,
    { replacements: [orderId] },
  );
  return { order, items: items as Row[] };
}

// ---- demo orders handed to workflows by `npm start` (scripts/adopt-orders.ts) ---------------------

/** Orders in `statuses` that no workflow runs yet, with their parties' names and the timeline's last seq. */
export async function ordersWithoutWorkflow(sequelize: Sequelize, statuses: readonly string[]): Promise<Row[]> {
  const [rows] = await sequelize.query(
    `SELECT o.*, r.name AS retailer_name, w.name AS wholesaler_name,
            (SELECT MAX(e.seq) FROM order_events e WHERE e.order_id = o.id) AS last_seq
       FROM orders o JOIN entities r ON r.id = o.retailer_id JOIN entities w ON w.id = o.wholesaler_id
      WHERE o.status IN (?) AND o.workflow_id IS NULL`,
    { replacements: [statuses] },
  );
  return rows as Row[];
}

/** Records the workflow now running the order (and, for one started afresh, its acceptance deadline), unless one already is. */
export async function adoptOrder(sequelize: Sequelize, orderId: string, workflowId: string, expiresAt?: Date): Promise<void> {
  await sequelize.query(
    expiresAt
      ? 'UPDATE orders SET workflow_id = ?, expires_at = ? WHERE id = ? AND workflow_id IS NULL'
      : 'UPDATE orders SET workflow_id = ? WHERE id = ? AND workflow_id IS NULL',
    { replacements: expiresAt ? [workflowId, expiresAt, orderId] : [workflowId, orderId] },
  );
}
