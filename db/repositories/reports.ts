/**
 * Reports (issue 17): the `reports` rows (request and progress), the file chunks, and one keyset
 * page query per report type. Every page and count query takes the tenant explicitly (`null` for
 * platform staff) and appends its condition last, so no report can read another tenant's rows
 * whatever its parameters say.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { addSteps, emptySegmentSeconds, fulfilmentRowsOf, type SegmentSeconds } from '../../domain/reports/fulfilment.js';
import type { Cell, ReportStatus, ReportType } from '../../domain/reports/types.js';
import { NO_ROWS, sqlWithinScope, tenantCondition, type SqlCondition } from '../sqlScope.js';

export interface ReportRow {
  id: string;
  type: ReportType;
  format: string;
  status: ReportStatus;
  params: string;
  entity_id: string | null;
  requested_by: string;
  schedule_id: string | null;
  workflow_id: string;
  rows_done: number;
  rows_total: number | null;
  bytes: number;
  file_name: string | null;
  error_type: string | null;
  error: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  expires_at: Date | null;
  created_at: Date;
}

const select = <T extends object>(db: Sequelize, sql: string, replacements: unknown[]): Promise<T[]> => db.query<T>(sql, { replacements, type: QueryTypes.SELECT });
const run = (db: Sequelize, sql: string, replacements: unknown[]) => db.query(sql, { replacements });

// ---------------------------------------------------------------- report rows

export async function insertReport(
  db: Sequelize,
  r: Pick<ReportRow, 'id' | 'type' | 'format' | 'params' | 'entity_id' | 'requested_by' | 'schedule_id' | 'workflow_id'>,
): Promise<void> {
  await run(
    db,
    `INSERT INTO reports (id, type, format, status, params, entity_id, requested_by, schedule_id, workflow_id) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
    [r.id, r.type, r.format, r.params, r.entity_id, r.requested_by, r.schedule_id, r.workflow_id],
  );
}

/** Reports the caller may see: its tenant's, or all for staff (`tenant` null). */
const reportScope = (tenant: string | null): SqlCondition | undefined => tenantCondition(tenant ?? undefined, ['entity_id']);

export async function findReport(db: Sequelize, id: string, tenant: string | null): Promise<ReportRow | undefined> {
  const { where, replacements } = sqlWithinScope(reportScope(tenant), { sql: 'id = ?', replacements: [id] });
  const [row] = await select<ReportRow>(db, `SELECT * FROM reports ${where}`, replacements);
  return row;
}

export async function listReports(
  db: Sequelize,
  tenant: string | null,
  filters: { type?: string; status?: string; scheduleId?: string },
  page: { limit: number; offset: number },
): Promise<{ rows: ReportRow[]; total: number }> {
  const conditions: SqlCondition[] = [];
  if (filters.type) conditions.push({ sql: 'type = ?', replacements: [filters.type] });
  if (filters.status) conditions.push({ sql: 'status = ?', replacements: [filters.status] });
  if (filters.scheduleId) conditions.push({ sql: 'schedule_id = ?', replacements: [filters.scheduleId] });
  const { where, replacements } = sqlWithinScope(reportScope(tenant), ...conditions);
  const [rows, [count]] = await Promise.all([
    select<ReportRow>(db, `SELECT * FROM reports ${where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, [...replacements, page.limit, page.offset]),
    select<{ total: number }>(db, `SELECT COUNT(*) AS total FROM reports ${where}`, replacements),
  ]);
  return { rows, total: Number(count?.total ?? 0) };
}

/** The row as the report workflow's activities see it (no tenancy: they act for the system). */
export async function reportById(db: Sequelize, id: string): Promise<ReportRow | undefined> {
  const [row] = await select<ReportRow>(db, 'SELECT * FROM reports WHERE id = ?', [id]);
  return row;
}

export async function markRunning(db: Sequelize, id: string, rowsTotal: number): Promise<void> {
  await run(db, `UPDATE reports SET status = 'running', rows_total = ?, started_at = COALESCE(started_at, CURRENT_TIMESTAMP(3)) WHERE id = ? AND status IN ('queued', 'running')`, [rowsTotal, id]);
}

export async function recordProgress(db: Sequelize, id: string, rowsDone: number, bytes: number): Promise<void> {
  await run(db, `UPDATE reports SET rows_done = ?, bytes = ? WHERE id = ? AND status = 'running'`, [rowsDone, bytes, id]);
}

/** True when this call finished the report (false: it had finished already, or ended otherwise). */
export async function markSucceeded(db: Sequelize, id: string, r: { rowsDone: number; bytes: number; fileName: string; expiresAt: Date }): Promise<boolean> {
  const [, meta] = await run(
    db,
    `UPDATE reports SET status = 'succeeded', rows_done = ?, bytes = ?, file_name = ?, expires_at = ?, finished_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status = 'running'`,
    [r.rowsDone, r.bytes, r.fileName, r.expiresAt, id],
  );
  return ((meta as { affectedRows?: number } | undefined)?.affectedRows ?? 0) > 0;
}

/** Failed or cancelled: the partial file goes with it. */
export async function markEnded(db: Sequelize, id: string, status: 'failed' | 'cancelled', error?: { type: string; message: string }): Promise<void> {
  await run(db, 'DELETE FROM report_chunks WHERE report_id = ?', [id]);
  await run(
    db,
    `UPDATE reports SET status = ?, error_type = ?, error = ?, finished_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status IN ('queued', 'running')`,
    [status, error?.type ?? null, error?.message.slice(0, 2000) ?? null, id],
  );
}

/** Past its expiry the file is gone; the row stays as history. */
export async function markExpired(db: Sequelize, id: string): Promise<void> {
  await run(db, 'DELETE FROM report_chunks WHERE report_id = ?', [id]);
  await run(db, `UPDATE reports SET status = 'expired' WHERE id = ? AND status = 'succeeded'`, [id]);
}

// ---------------------------------------------------------------- file chunks

export async function writeChunk(db: Sequelize, reportId: string, seq: number, data: Buffer): Promise<void> {
  // REPLACE: a retried page writes the same chunk number again.
  await run(db, 'REPLACE INTO report_chunks (report_id, seq, data) VALUES (?, ?, ?)', [reportId, seq, data]);
}

/** Forgets chunks from `seq` on: what a worker wrote after its last heartbeat. */
export async function dropChunksFrom(db: Sequelize, reportId: string, seq: number): Promise<void> {
  await run(db, 'DELETE FROM report_chunks WHERE report_id = ? AND seq >= ?', [reportId, seq]);
}

export async function chunkNumbers(db: Sequelize, reportId: string): Promise<number[]> {
  const rows = await select<{ seq: number }>(db, 'SELECT seq FROM report_chunks WHERE report_id = ? ORDER BY seq', [reportId]);
  return rows.map((r) => Number(r.seq));
}

export async function readChunk(db: Sequelize, reportId: string, seq: number): Promise<Buffer | undefined> {
  const [row] = await select<{ data: Buffer }>(db, 'SELECT data FROM report_chunks WHERE report_id = ? AND seq = ?', [reportId, seq]);
  return row?.data;
}

// ---------------------------------------------------------------- report pages

/** Where a page query resumes: the window (sales periods) and the last row's key within it. */
export interface ReportCursor {
  window: number;
  key: Array<string | number> | null;
}

export interface PageArgs {
  /** The tenant the report is confined to; null: platform staff, every tenant. */
  tenant: string | null;
  cursor: ReportCursor;
  limit: number;
  /** UTC windows the report covers: one per sales period, else one for the whole range. */
  windows: Array<{ label: string; from: Date; to: Date }>;
}

export interface Page {
  rows: Cell[][];
  /** Where the next page starts; null when this was the last. */
  next: ReportCursor | null;
}

/** `(c1, c2, …) > (v1, v2, …)` spelled so both MySQL and MariaDB use the index prefix. */
function after(columns: readonly string[], key: ReportCursor['key']): SqlCondition | undefined {
  if (!key) return undefined;
  const ors = columns.map((c, i) => {
    const eq = columns.slice(0, i).map((p) => `${p} = ?`);
    return { sql: [...eq, `${c} > ?`].join(' AND '), replacements: [...key.slice(0, i), key[i]] };
  });
  return { sql: ors.map((o) => `(${o.sql})`).join(' OR '), replacements: ors.flatMap((o) => o.replacements) };
}

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v == null ? null : String(v));
const num = (v: unknown): number | null => (v == null ? null : Number(v));
const seconds = (from: unknown, to: unknown): number | null =>
  from instanceof Date && to instanceof Date ? (to.getTime() - from.getTime()) / 1000 : null;

/** Orders the sales and fulfilment reports count: never rejected, expired or cancelled ones. */
const COUNTED_ORDER = `o.status NOT IN ('rejected', 'expired', 'cancelled')`;

/** The tenancy condition of each report type, by construction of its FROM clause. */
function scopeOf(type: ReportType, tenant: string | null): SqlCondition | undefined {
  if (tenant === null) return undefined;
  if (!tenant) return NO_ROWS;
  switch (type) {
    case 'sales':
    case 'fulfilment_times':
      return tenantCondition(tenant, ['o.retailer_id', 'o.wholesaler_id']);
    case 'metrc_compliance':
      // A submission belongs to whoever holds its licence (the entity's or one of its locations').
      return {
        sql: 's.license_number IN (SELECT e.license_number FROM entities e WHERE e.id = ? UNION SELECT l.license_number FROM locations l WHERE l.entity_id = ?)',
        replacements: [tenant, tenant],
      };
    case 'inventory_valuation':
      return tenantCondition(tenant, ['i.entity_id']);
    case 'pos_sync_history':
      return tenantCondition(tenant, ['r.entity_id']);
  }
}

/** One query per type: FROM, the range column, the keyset columns, the SELECT and the row shape. */
interface TypeQuery {
  from: string;
  range?: string;
  filter?: string;
  key: readonly string[];
  select: string;
  groupBy?: string;
  toRow: (r: Record<string, unknown>) => Cell[];
}

const QUERIES: Record<Exclude<ReportType, 'fulfilment_times'>, TypeQuery> = {
  sales: {
    from: `orders o JOIN order_items oi ON oi.order_id = o.id JOIN entities w ON w.id = o.wholesaler_id
           JOIN entities rt ON rt.id = o.retailer_id JOIN products p ON p.id = oi.product_id`,
    range: 'o.created_at',
    filter: COUNTED_ORDER,
    key: ['o.wholesaler_id', 'o.retailer_id', 'oi.product_id', 'o.currency'],
    // Orders first, found by the period's range: left to itself, MariaDB 10.11 started from the
    // wholesalers (their index gives the ORDER BY) and read every order of each wholesaler per
    // page on a freshly written orders table, ~1 s a page at 100k orders (bench:reports).
    select: `STRAIGHT_JOIN o.wholesaler_id AS k0, o.retailer_id AS k1, oi.product_id AS k2, o.currency AS k3, MAX(w.name) AS wholesaler,
             MAX(rt.name) AS retailer, MAX(p.name) AS product, COUNT(DISTINCT o.id) AS orders, SUM(oi.quantity) AS units,
             SUM(oi.line_total_minor) AS revenue`,
    groupBy: 'o.wholesaler_id, o.retailer_id, oi.product_id, o.currency',
    toRow: (r) => [r.period as string, r.k0 as string, r.wholesaler as string, r.k1 as string, r.retailer as string, r.k2 as string, r.product as string, num(r.orders), num(r.units), num(r.revenue), r.k3 as string],
  },
  metrc_compliance: {
    from: 'metrc_submissions s',
    range: 's.created_at',
    key: ['s.created_at', 's.id'],
    select: `s.created_at AS k0, s.id AS k1, s.kind, s.license_number, s.natural_key, s.status, s.succeeded_at, s.failure_reason, s.last_error_code,
             (SELECT o.order_number FROM orders o WHERE o.id = s.order_id) AS order_number,
             (SELECT COUNT(*) FROM metrc_submission_attempts a WHERE a.submission_id = s.id) AS attempts,
             (SELECT MIN(a.started_at) FROM metrc_submission_attempts a WHERE a.submission_id = s.id) AS first_attempt_at,
             (SELECT a.outcome FROM metrc_submission_attempts a WHERE a.submission_id = s.id ORDER BY a.attempt DESC LIMIT 1) AS last_outcome`,
    toRow: (r) => [
      r.k1 as string, r.kind as string, r.license_number as string, r.natural_key as string, (r.order_number as string) ?? null, r.status as string,
      num(r.attempts), (r.last_outcome as string) ?? null, iso(r.k0), iso(r.first_attempt_at), iso(r.succeeded_at), seconds(r.k0, r.succeeded_at),
      r.status === 'failed' || r.status === 'parked', (r.failure_reason as string) ?? (r.last_error_code as string) ?? null,
    ],
  },
  inventory_valuation: {
    from: `inventory i JOIN locations l ON l.id = i.location_id JOIN products p ON p.id = i.product_id JOIN product_variants v ON v.id = i.variant_id`,
    key: ['i.location_id', 'i.id'],
    select: `i.location_id AS k0, i.id AS k1, l.name AS location, i.product_id, p.name AS product, v.sku, v.name AS variant, i.quantity_on_hand,
             i.quantity_reserved, v.price_minor, v.currency`,
    toRow: (r) => {
      const onHand = Number(r.quantity_on_hand);
      const reserved = Number(r.quantity_reserved);
      return [r.k0 as string, r.location as string, r.product_id as string, r.product as string, r.sku as string, r.variant as string, onHand, reserved, onHand - reserved, num(r.price_minor), onHand * Number(r.price_minor), r.currency as string];
    },
  },
  pos_sync_history: {
    from: 'sync_runs r JOIN pos_connections c ON c.id = r.connection_id JOIN locations l ON l.id = c.location_id',
    range: 'r.started_at',
    key: ['r.started_at', 'r.id'],
    select: `r.started_at AS k0, r.id AS k1, r.connection_id, c.vendor, l.name AS location, r.status, r.mode, r.finished_at, r.duration_ms, r.fetched,
             r.created, r.updated, r.unchanged, r.zeroed, r.item_errors, r.error`,
    toRow: (r) => [
      r.k1 as string, r.connection_id as string, r.vendor as string, r.location as string, r.status as string, r.mode as string, iso(r.k0), iso(r.finished_at),
      num(r.duration_ms), num(r.fetched), num(r.created), num(r.updated), num(r.unchanged), num(r.zeroed), num(r.item_errors), (r.error as string) ?? null,
    ],
  },
};

function whereOf(type: Exclude<ReportType, 'fulfilment_times'>, args: Pick<PageArgs, 'tenant' | 'windows'>, window: number, key: ReportCursor['key']) {
  const q = QUERIES[type];
  const w = args.windows[window];
  const range: SqlCondition | undefined = q.range && w ? { sql: `${q.range} >= ? AND ${q.range} < ?`, replacements: [w.from, w.to] } : undefined;
  const filter: SqlCondition | undefined = q.filter ? { sql: q.filter, replacements: [] } : undefined;
  return sqlWithinScope(scopeOf(type, args.tenant), range, filter, after(q.key, key));
}

/** One page of a report's rows, from the cursor on, in key order. */
export async function reportPage(db: Sequelize, type: ReportType, args: PageArgs): Promise<Page> {
  if (type === 'fulfilment_times') return fulfilmentPage(db, args);
  const q = QUERIES[type];
  const { window } = args.cursor;
  const { where, replacements } = whereOf(type, args, window, args.cursor.key);
  const rows = await select<Record<string, unknown>>(
    db,
    `SELECT ${q.select} FROM ${q.from} ${where} ${q.groupBy ? `GROUP BY ${q.groupBy}` : ''} ORDER BY ${q.key.join(', ')} LIMIT ?`,
    [...replacements, args.limit],
  );
  const label = args.windows[window]?.label ?? '';
  const out = rows.map((r) => q.toRow({ ...r, period: label }));
  const last = rows[rows.length - 1];
  // Instants travel in heartbeat details as JSON: spelled as the connection (UTC) reads them back.
  const keyOf = (r: Record<string, unknown>) =>
    q.key.map((_, i) => {
      const v = r[`k${i}`];
      return v instanceof Date ? v.toISOString().replace('T', ' ').replace('Z', '') : (v as string | number);
    });
  if (rows.length === args.limit && last) return { rows: out, next: { window, key: keyOf(last) } };
  const nextWindow = window + 1;
  return { rows: out, next: nextWindow < args.windows.length ? { window: nextWindow, key: null } : null };
}

/** How many rows the whole report will have: the progress bar's denominator. */
export async function reportRowCount(db: Sequelize, type: ReportType, args: Pick<PageArgs, 'tenant' | 'windows'>): Promise<number> {
  if (type === 'fulfilment_times') {
    const { where, replacements } = fulfilmentWhere(args);
    const [r] = await select<{ n: number }>(db, `SELECT COUNT(DISTINCT o.wholesaler_id) AS n FROM orders o ${where}`, replacements);
    return Number(r?.n ?? 0) * 4;
  }
  if (type === 'sales') return salesRowCount(db, args);
  const { where, replacements } = whereOf(type, args, 0, null);
  const [r] = await select<{ n: number }>(db, `SELECT COUNT(*) AS n FROM ${QUERIES[type].from} ${where}`, replacements);
  return Number(r?.n ?? 0);
}

/**
 * Sales rows over all periods in one scan: each order falls in the period whose start it passed
 * last (INTERVAL over the periods' starting instants as seconds since the epoch, both sides UTC),
 * and a row is a distinct (period, key). Without the name joins the page query needs.
 */
async function salesRowCount(db: Sequelize, args: Pick<PageArgs, 'tenant' | 'windows'>): Promise<number> {
  const first = args.windows[0];
  const last = args.windows[args.windows.length - 1];
  if (!first || !last) return 0;
  const epoch = (d: Date) => Math.floor(d.getTime() / 1000);
  const starts = args.windows.map((w) => epoch(w.from));
  const bucket = `INTERVAL(TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', o.created_at), ${starts.map(() => '?').join(', ')})`;
  const { where, replacements } = sqlWithinScope(
    scopeOf('sales', args.tenant),
    { sql: 'o.created_at >= ? AND o.created_at < ?', replacements: [first.from, last.to] },
    { sql: COUNTED_ORDER, replacements: [] },
  );
  const [r] = await select<{ n: number }>(
    db,
    `SELECT COUNT(DISTINCT ${bucket}, o.wholesaler_id, o.retailer_id, oi.product_id, o.currency) AS n
       FROM orders o JOIN order_items oi ON oi.order_id = o.id ${where}`,
    [...starts, ...replacements],
  );
  return Number(r?.n ?? 0);
}

// ---------------------------------------------------------------- fulfilment times

function fulfilmentWhere(args: Pick<PageArgs, 'tenant' | 'windows'>, ...more: Array<SqlCondition | undefined>) {
  const w = args.windows[0]!;
  return sqlWithinScope(
    scopeOf('fulfilment_times', args.tenant),
    { sql: 'o.created_at >= ? AND o.created_at < ?', replacements: [w.from, w.to] },
    { sql: COUNTED_ORDER, replacements: [] },
    ...more,
  );
}

/**
 * A page of wholesalers (keyset on their id), then their orders' step instants a chunk at a time
 * (keyset on the orders' creation instant and id, the order of ix_orders_created), reduced to
 * seconds per segment as they come (domain/reports). A page of wholesalers used to read all of
 * their orders' steps in one result: ~0.5 KB of objects an order, past the reports worker's
 * 128 MB old space at a few hundred thousand orders.
 */
export async function fulfilmentSeconds(db: Sequelize, args: PageArgs): Promise<{ wholesalers: string[]; acc: SegmentSeconds }> {
  const perPage = Math.max(1, Math.floor(args.limit / 4));
  const { where, replacements } = fulfilmentWhere(args, after(['o.wholesaler_id'], args.cursor.key));
  const ids = await select<{ id: string }>(db, `SELECT DISTINCT o.wholesaler_id AS id FROM orders o ${where} ORDER BY o.wholesaler_id LIMIT ?`, [...replacements, perPage]);
  const acc = emptySegmentSeconds();
  if (ids.length === 0) return { wholesalers: [], acc };
  const inPage: SqlCondition = { sql: 'o.wholesaler_id IN (?)', replacements: [ids.map((r) => r.id)] };
  let key: Array<string | number> | null = null;
  for (;;) {
    const chunk = fulfilmentWhere(args, inPage, after(['o.created_at', 'o.id'], key));
    const rows: Array<Record<string, unknown>> = await select<Record<string, unknown>>(
      db,
      `SELECT o.id, o.wholesaler_id, MAX(w.name) AS wholesaler, o.created_at AS submitted,
              MIN(CASE WHEN e.to_status = 'accepted' THEN e.occurred_at END) AS accepted,
              MIN(CASE WHEN e.to_status = 'shipped' THEN e.occurred_at END) AS shipped,
              MIN(CASE WHEN e.to_status = 'delivered' THEN e.occurred_at END) AS delivered
         FROM orders o JOIN entities w ON w.id = o.wholesaler_id LEFT JOIN order_events e ON e.order_id = o.id
         ${chunk.where}
        GROUP BY o.created_at, o.id, o.wholesaler_id ORDER BY o.created_at, o.id LIMIT ?`,
      [...chunk.replacements, args.limit],
    );
    addSteps(
      acc,
      rows.map((r) => ({
        wholesalerId: r.wholesaler_id as string,
        wholesaler: r.wholesaler as string,
        submitted: r.submitted as Date,
        accepted: (r.accepted as Date) ?? null,
        shipped: (r.shipped as Date) ?? null,
        delivered: (r.delivered as Date) ?? null,
      })),
    );
    const last = rows[rows.length - 1];
    if (rows.length < args.limit || !last) break;
    key = [last.submitted as Date, last.id as string] as unknown as Array<string | number>;
  }
  return { wholesalers: ids.map((r) => r.id), acc };
}

async function fulfilmentPage(db: Sequelize, args: PageArgs): Promise<Page> {
  const { wholesalers, acc } = await fulfilmentSeconds(db, args);
  const rows = fulfilmentRowsOf(wholesalers, acc);
  const perPage = Math.max(1, Math.floor(args.limit / 4));
  const next = wholesalers.length === perPage ? { window: 0, key: [wholesalers[wholesalers.length - 1]!] } : null;
  return { rows, next };
}
