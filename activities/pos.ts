import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { insertSubmission, workflowIdFor } from '../db/metrcSubmissions.js';
import { validatePayload, type SubmissionKind } from '../domain/metrc/kinds.js';
import { finalStatus } from '../domain/pos/health.js';
import { saleReceipt, type HeldPackage } from '../domain/pos/receipt.js';
import { CREDENTIALS_PURPOSE, type VendorCredentials } from '../domain/pos/credentials.js';
import { planBatch, type BatchPlan, type HeldPackage as HeldVendorPackage, type HeldRow, type ItemProblem, type SyncItem } from '../domain/pos/plan.js';
import {
  createConnector,
  isPosError,
  PosRateLimitError,
  type ChangeCursor,
  type ChangeResumePoint,
  type IncrementalConnector,
  type ItemResult,
  type PosConnector,
  type PosVendor,
  type SalesCursor,
  type SnapshotConnector,
} from '../integrations/pos/index.js';
import { decryptSecret, keyringOf, type KeySource } from '../platform/crypto.js';
import { timeOrderedId } from '../platform/ids.js';
import { temporalSettings } from '../temporal.config.js';
import type { ActivityDeps } from './deps.js';
import { createReceiptChangeReporter } from './posReceiptChanges.js';
import { WORKFLOW_TYPES, metrcSearchAttributes, type MetrcSubmissionWorkflow } from '../contracts/index.js';
import { bumpVersion } from '../platform/cacheVersions.js';

export const EVENTS_STREAM = 'trellis:events';
/** Variant ids carried by one inventory.changed event; the count says how many changed in all. */
const EVENT_SAMPLE = 50;
const EVENTS_MAXLEN = 100_000;

export type SyncMode = 'snapshot' | 'incremental';

export interface PosCursor {
  changes?: ChangeCursor;
  sales?: SalesCursor;
}

export interface ConnectionRow {
  id: string;
  entity_id: string;
  location_id: string;
  vendor: PosVendor;
  credentials_enc: string;
  base_url: string | null;
  report_sales: number | boolean;
  sync_cursor: string | null;
}

export interface StartRunResult {
  runId?: string;
  skipped?: string;
  mode?: SyncMode;
  reportSales?: boolean;
  cursor?: PosCursor;
}

export interface ChangesResult {
  done: boolean;
  pages: number;
  resume?: ChangeResumePoint;
  next?: ChangeCursor;
}

export interface BatchOutcome {
  created: number;
  updated: number;
  unchanged: number;
  itemErrors: number;
  replayed: number;
}

export const modeOf = (vendor: PosVendor): SyncMode => (vendor === 'dutchie' ? 'snapshot' : 'incremental');

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (benchmarks, scripts)
  }
}

/**
 * Connector errors as Temporal failures whose `type` the retry policy understands: bad
 * credentials and contract mismatches stop at once; rate limits wait as long as the vendor asked.
 */
export function toFailure(err: unknown): unknown {
  if (!isPosError(err)) return err;
  return ApplicationFailure.create({
    type: err.type,
    message: err.message,
    nonRetryable: !err.retryable,
    ...(err instanceof PosRateLimitError && err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
    details: [{ vendor: err.vendor, status: err.status ?? null }],
  });
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toFailure(err);
  }
}

/** Reads `it` one step ahead, so the next vendor chunk is fetched and parsed while we write. */
async function* prefetch<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  next.catch(() => undefined);
  try {
    for (;;) {
      const step = await next;
      if (step.done) return;
      next = it.next();
      next.catch(() => undefined);
      yield step.value;
    }
  } finally {
    await it.return?.(undefined)?.catch?.(() => undefined);
  }
}

export function connectorFor(conn: ConnectionRow, appSecret: KeySource): PosConnector {
  const credentials = JSON.parse(decryptSecret(appSecret, CREDENTIALS_PURPOSE, conn.credentials_enc)) as VendorCredentials;
  const baseUrl = conn.base_url ?? undefined;
  if (conn.vendor === 'dutchie') {
    // The brand lookup holds a productId → brand map of the whole catalogue; memory must stay flat.
    return createConnector({ vendor: 'dutchie', credentials: credentials as never, brands: 'none', ...(baseUrl ? { baseUrl } : {}) });
  }
  return createConnector({ vendor: 'blaze', credentials: credentials as never, ...(baseUrl ? { baseUrl } : {}) });
}

const placeholders = (rows: number, cols: string) => Array.from({ length: rows }, () => cols).join(',');
/**
 * The phase moves only while the run is running: an activity still finishing a batch after its
 * workflow was terminated (and the run settled by the reaper) must not bring a settled run back.
 */
const PHASE = "phase = IF(status = 'running', ?, phase)";

/**
 * The database side of a sync: per batch, one read of what we hold for the batch's SKUs, then one
 * multi-row INSERT … ON DUPLICATE KEY UPDATE per table, all in one transaction together with the
 * run's counters, so a retried batch finds its own work and neither writes nor counts it twice.
 */
export function createPosStore(sequelize: Sequelize) {
  const select = <T extends object>(sql: string, replacements: unknown[], transaction?: Transaction) =>
    sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) });
  const exec = async (sql: string, replacements: unknown[], transaction?: Transaction): Promise<number> => {
    const [, meta] = await sequelize.query(sql, { replacements, ...(transaction ? { transaction } : {}) });
    return (meta as { affectedRows?: number } | undefined)?.affectedRows ?? 0;
  };

  async function held(conn: ConnectionRow, skus: string[]): Promise<Map<string, HeldRow>> {
    if (skus.length === 0) return new Map();
    const rows = await select<HeldRow>(
      `SELECT v.sku, v.id AS variant_id, v.product_id, v.name AS variant_name, v.price_minor, v.currency, v.unit_of_measure,
              p.pos_sync_key AS product_sync_key, p.name AS product_name, p.category, p.brand,
              i.id AS inventory_id, i.pos_quantity, i.quantity_on_hand, i.metrc_package_label, i.vendor_item_id,
              i.pos_connection_id, i.pos_seen_run
         FROM product_variants v
         JOIN products p ON p.id = v.product_id
         LEFT JOIN inventory i ON i.variant_id = v.id AND i.location_id = ?
        WHERE v.entity_id = ? AND v.sku IN (?)`,
      [conn.location_id, conn.entity_id, skus],
    );
    return new Map(rows.map((r) => [r.sku, r]));
  }

  async function orphanProducts(conn: ConnectionRow, skus: string[]): Promise<Map<string, string>> {
    if (skus.length === 0) return new Map();
    const rows = await select<{ id: string; pos_sync_key: string }>(
      'SELECT id, pos_sync_key FROM products WHERE entity_id = ? AND pos_sync_key IN (?)',
      [conn.entity_id, skus],
    );
    return new Map(rows.map((r) => [r.pos_sync_key, r.id]));
  }

  /** The packages this connection holds for a batch's vendor items, with their stock row's variant. */
  async function heldPackages(conn: ConnectionRow, vendorItemIds: string[]): Promise<Map<string, HeldVendorPackage>> {
    if (vendorItemIds.length === 0) return new Map();
    const rows = await select<HeldVendorPackage>(
      `SELECT p.vendor_item_id, p.id, p.inventory_id, i.variant_id, p.pos_quantity, p.metrc_package_label, p.pos_seen_run
         FROM inventory_packages p JOIN inventory i ON i.id = p.inventory_id
        WHERE p.pos_connection_id = ? AND p.vendor_item_id IN (?)`,
      [conn.id, vendorItemIds],
    );
    return new Map(rows.map((r) => [r.vendor_item_id, r]));
  }

  /**
   * Sets stock rows to the sum of their packages, summed in the database so packages of one SKU
   * that arrive in different batches (or pages, or activities) add up. The row's label is its
   * largest labelled package's (a label we hold survives packages that carry none); its
   * vendor_item_id names its package when it has exactly one.
   */
  async function recount(conn: ConnectionRow, runId: string, inventoryIds: string[], t: Transaction): Promise<void> {
    if (inventoryIds.length === 0) return;
    await exec(
      `UPDATE inventory i
         JOIN (SELECT inventory_id, SUM(pos_quantity) AS q, COUNT(*) AS n, MIN(vendor_item_id) AS vid
                 FROM inventory_packages WHERE inventory_id IN (?) GROUP BY inventory_id) s ON s.inventory_id = i.id
          SET i.pos_quantity = s.q,
              i.quantity_on_hand = GREATEST(FLOOR(GREATEST(s.q, 0)), i.quantity_reserved),
              i.vendor_item_id = IF(s.n = 1, s.vid, NULL),
              i.metrc_package_label = COALESCE(
                (SELECT p.metrc_package_label FROM inventory_packages p
                  WHERE p.inventory_id = i.id AND p.metrc_package_label IS NOT NULL
                  ORDER BY p.pos_quantity DESC, p.id LIMIT 1),
                i.metrc_package_label),
              i.pos_connection_id = ?, i.pos_seen_run = ?, i.updated_at = NOW(3)`,
      [inventoryIds, conn.id, runId],
      t,
    );
  }

  async function writePlan(conn: ConnectionRow, runId: string, plan: BatchPlan, t: Transaction): Promise<void> {
    if (plan.products.length > 0) {
      await exec(
        `INSERT INTO products (id, entity_id, pos_sync_key, name, category, brand, created_at, updated_at)
         VALUES ${placeholders(plan.products.length, '(?,?,?,?,?,?,NOW(3),NOW(3))')}
         ON DUPLICATE KEY UPDATE name = VALUES(name), category = VALUES(category), brand = VALUES(brand), updated_at = NOW(3)`,
        plan.products.flatMap((p) => [p.id, conn.entity_id, p.sku, p.name, p.category, p.brand]),
        t,
      );
    }
    if (plan.variants.length > 0) {
      await exec(
        `INSERT INTO product_variants (id, product_id, entity_id, sku, name, price_minor, currency, unit_of_measure, created_at, updated_at)
         VALUES ${placeholders(plan.variants.length, '(?,?,?,?,?,?,?,?,NOW(3),NOW(3))')}
         ON DUPLICATE KEY UPDATE name = VALUES(name), price_minor = VALUES(price_minor), currency = VALUES(currency),
           unit_of_measure = VALUES(unit_of_measure), updated_at = NOW(3)`,
        plan.variants.flatMap((v) => [v.id, v.product_id, conn.entity_id, v.sku, v.name, v.price_minor, v.currency, v.unit_of_measure]),
        t,
      );
    }
    if (plan.inventory.length > 0) {
      // New stock rows, holding the sum of this batch's packages (nothing else points at them yet).
      // Should the row exist after all (written since we read), reservations for open orders stay
      // covered (the check constraint demands it) and a label we hold survives a vendor that sends none.
      await exec(
        `INSERT INTO inventory (id, variant_id, product_id, location_id, entity_id, quantity_on_hand, quantity_reserved,
           metrc_package_label, pos_connection_id, vendor_item_id, pos_quantity, pos_seen_run, created_at, updated_at)
         VALUES ${placeholders(plan.inventory.length, '(?,?,?,?,?,?,0,?,?,?,?,?,NOW(3),NOW(3))')}
         ON DUPLICATE KEY UPDATE quantity_on_hand = GREATEST(VALUES(quantity_on_hand), quantity_reserved),
           metrc_package_label = COALESCE(VALUES(metrc_package_label), metrc_package_label),
           pos_connection_id = VALUES(pos_connection_id), vendor_item_id = VALUES(vendor_item_id),
           pos_quantity = VALUES(pos_quantity), pos_seen_run = VALUES(pos_seen_run), updated_at = NOW(3)`,
        plan.inventory.flatMap((i) => [
          i.id, i.variant_id, i.product_id, conn.location_id, conn.entity_id, i.quantity_on_hand,
          i.metrc_package_label, conn.id, i.vendor_item_id, i.pos_quantity, runId,
        ]),
        t,
      );
    }
    if (plan.packages.length > 0) {
      await exec(
        `INSERT INTO inventory_packages (id, pos_connection_id, vendor_item_id, inventory_id, metrc_package_label, pos_quantity, pos_seen_run, created_at, updated_at)
         VALUES ${placeholders(plan.packages.length, '(?,?,?,?,?,?,?,NOW(3),NOW(3))')}
         ON DUPLICATE KEY UPDATE inventory_id = VALUES(inventory_id),
           metrc_package_label = COALESCE(VALUES(metrc_package_label), metrc_package_label),
           pos_quantity = VALUES(pos_quantity), pos_seen_run = VALUES(pos_seen_run), updated_at = NOW(3)`,
        plan.packages.flatMap((p) => [p.id, conn.id, p.vendor_item_id, p.inventory_id, p.metrc_package_label, p.pos_quantity, runId]),
        t,
      );
    }
    await recount(conn, runId, plan.recount, t);
    if (plan.seenPackages.length > 0) {
      await exec('UPDATE inventory_packages SET pos_seen_run = ? WHERE id IN (?)', [runId, plan.seenPackages], t);
    }
    if (plan.seenStock.length > 0) {
      await exec('UPDATE inventory SET pos_seen_run = ? WHERE id IN (?)', [runId, plan.seenStock], t);
    }
  }

  async function recordProblems(runId: string, problems: ItemProblem[], t: Transaction): Promise<number> {
    if (problems.length === 0) return 0;
    return exec(
      `INSERT IGNORE INTO sync_item_errors (run_id, item_key, vendor_item_id, reason, created_at)
       VALUES ${placeholders(problems.length, '(?,?,?,?,NOW(3))')}`,
      problems.flatMap((p) => [
        runId,
        (p.vendorItemId ?? `#${p.ordinal}`).slice(0, 191),
        p.vendorItemId?.slice(0, 128) ?? null,
        p.reason.slice(0, 1000),
      ]),
      t,
    );
  }

  return {
    select,
    exec,

    /** Records per-record problems outside a batch write (sales) and counts the new ones. */
    async recordRunProblems(runId: string, problems: ItemProblem[], extra: { salesReported?: number; phase: string }): Promise<number> {
      return sequelize.transaction(async (t) => {
        const n = await recordProblems(runId, problems, t);
        await exec(
          `UPDATE sync_runs SET item_errors = item_errors + ?, sales_reported = sales_reported + ?, ${PHASE}, updated_at = NOW(3) WHERE id = ?`,
          [n, extra.salesReported ?? 0, extra.phase, runId],
          t,
        );
        return n;
      });
    },

    async loadConnection(connectionId: string): Promise<ConnectionRow | undefined> {
      const [row] = await select<ConnectionRow>(
        'SELECT id, entity_id, location_id, vendor, credentials_enc, base_url, report_sales, sync_cursor FROM pos_connections WHERE id = ?',
        [connectionId],
      );
      return row;
    },

    /** Takes one batch of vendor results (items and per-record errors) into the database. */
    async applyResults(conn: ConnectionRow, runId: string, results: readonly ItemResult[], firstOrdinal: number, phase: string): Promise<{ outcome: BatchOutcome; changedVariantIds: string[] }> {
      const items: SyncItem[] = [];
      const problems: ItemProblem[] = [];
      results.forEach((r, k) => {
        const ordinal = firstOrdinal + k;
        if (r.ok) items.push({ ...r.item, ordinal });
        else problems.push({ ordinal, ...(r.vendorItemId ? { vendorItemId: r.vendorItemId } : {}), reason: r.reason });
      });
      const skus = [...new Set(items.map((i) => i.sku))];
      const [holding, packages] = await Promise.all([held(conn, skus), heldPackages(conn, [...new Set(items.map((i) => i.vendorItemId))])]);
      const missing = skus.filter((s) => !holding.has(s));
      const orphans = await orphanProducts(conn, missing);
      // Time-ordered ids: a catalogue's new rows append to each table's indexes (see timeOrderedId).
      const plan = planBatch(items, holding, packages, { runId, connectionId: conn.id, newId: timeOrderedId, orphanProducts: orphans });
      problems.push(...plan.problems);
      const itemErrors = await sequelize.transaction(async (t) => {
        await writePlan(conn, runId, plan, t);
        const newErrors = await recordProblems(runId, problems, t);
        const { created, updated, unchanged } = plan.counts;
        await exec(
          `UPDATE sync_runs SET fetched = fetched + ?, created = created + ?, updated = updated + ?, unchanged = unchanged + ?,
             item_errors = item_errors + ?, pages = pages + 1, ${PHASE}, updated_at = NOW(3) WHERE id = ?`,
          [created + updated + unchanged + newErrors, created, updated, unchanged, newErrors, phase, runId],
          t,
        );
        return newErrors;
      });
      return {
        outcome: { ...plan.counts, itemErrors, replayed: plan.replayed },
        changedVariantIds: plan.changedVariantIds,
      };
    },

    /**
     * Zeroes packages this connection fed that the completed snapshot no longer lists, a bounded
     * slice at a time, and sums their stock rows again. Zeroed packages are retired (seen mark
     * NULL): each slice moves on, and later runs skip them by index instead of zeroing them again.
     * They are kept, not deleted: returns and late sales of a package still find its label and unit.
     */
    async zeroSlice(conn: ConnectionRow, runId: string, limit = 1000): Promise<{ rows: number; zeroed: number; changedVariantIds: string[] }> {
      const rows = await select<{ id: string; inventory_id: string; variant_id: string; pos_quantity: string }>(
        `SELECT p.id, p.inventory_id, i.variant_id, p.pos_quantity FROM inventory_packages p JOIN inventory i ON i.id = p.inventory_id
          WHERE p.pos_connection_id = ? AND p.pos_seen_run <> ? LIMIT ${Number(limit)}`,
        [conn.id, runId],
      );
      if (rows.length === 0) return { rows: 0, zeroed: 0, changedVariantIds: [] };
      const changed = rows.filter((r) => Number(r.pos_quantity) !== 0);
      await sequelize.transaction(async (t) => {
        await exec(
          `UPDATE inventory_packages SET updated_at = IF(pos_quantity <> 0, NOW(3), updated_at), pos_quantity = 0, pos_seen_run = NULL
            WHERE id IN (?)`,
          [rows.map((r) => r.id)],
          t,
        );
        await recount(conn, runId, [...new Set(changed.map((r) => r.inventory_id))], t);
        await exec(`UPDATE sync_runs SET zeroed = zeroed + ?, ${PHASE}, updated_at = NOW(3) WHERE id = ?`, [changed.length, 'zeroing', runId], t);
      });
      return { rows: rows.length, zeroed: changed.length, changedVariantIds: [...new Set(changed.map((r) => r.variant_id))] };
    },

    /**
     * What a sale line's vendor item was, for a METRC receipt: the package's own label (else its
     * stock row's, e.g. set by hand for a vendor that sends none) and its variant's unit.
     */
    async packagesFor(conn: ConnectionRow, vendorItemIds: string[]): Promise<Map<string, HeldPackage>> {
      const out = new Map<string, HeldPackage>();
      if (vendorItemIds.length === 0) return out;
      const rows = await select<{ vendor_item_id: string; label: string | null; unit_of_measure: string }>(
        `SELECT p.vendor_item_id, COALESCE(p.metrc_package_label, i.metrc_package_label) AS label, v.unit_of_measure
           FROM inventory_packages p JOIN inventory i ON i.id = p.inventory_id JOIN product_variants v ON v.id = i.variant_id
          WHERE p.pos_connection_id = ? AND p.vendor_item_id IN (?)`,
        [conn.id, vendorItemIds],
      );
      for (const r of rows) if (r.label) out.set(r.vendor_item_id, { label: r.label, unitOfMeasure: r.unit_of_measure });
      return out;
    },
  };
}

export type PosStore = ReturnType<typeof createPosStore>;

export function createPosActivities(deps: ActivityDeps) {
  const { sequelize, redis, config } = deps;
  const store = createPosStore(sequelize);

  async function connection(connectionId: string): Promise<ConnectionRow> {
    const conn = await store.loadConnection(connectionId);
    if (!conn) throw ApplicationFailure.create({ type: 'NotFound', message: `POS connection ${connectionId} no longer exists`, nonRetryable: true });
    return conn;
  }

  /** One stream entry per batch, never per row; the realtime layer fans it out. */
  async function publish(conn: ConnectionRow, runId: string, variantIds: string[]): Promise<void> {
    if (variantIds.length === 0) return;
    // The sync writes with raw SQL, so it invalidates the API's cached catalog pages itself.
    await bumpVersion(redis, 'products', 'product_variants', 'inventory');
    try {
      await redis.xadd(
        EVENTS_STREAM, 'MAXLEN', '~', String(EVENTS_MAXLEN), '*',
        'type', 'inventory.changed',
        'entity_id', conn.entity_id,
        'location_id', conn.location_id,
        'connection_id', conn.id,
        'run_id', runId,
        'count', String(variantIds.length),
        'variant_ids', JSON.stringify(variantIds.slice(0, EVENT_SAMPLE)),
        'at', new Date().toISOString(),
      );
    } catch {
      // Events are a live view, not the record: the database already holds the change.
    }
  }

  return {
    async posStartRun(input: { connectionId: string; workflowId: string }): Promise<StartRunResult> {
      const conn = await store.loadConnection(input.connectionId);
      if (!conn) return { skipped: 'connection deleted' };
      const mode = modeOf(conn.vendor);
      await store.exec(
        `INSERT IGNORE INTO sync_runs (id, connection_id, entity_id, workflow_id, status, mode, phase, started_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'running', ?, 'starting', NOW(3), NOW(3), NOW(3))`,
        [randomUUID(), conn.id, conn.entity_id, input.workflowId, mode],
      );
      const [run] = await store.select<{ id: string }>('SELECT id FROM sync_runs WHERE workflow_id = ?', [input.workflowId]);
      await store.exec(
        `UPDATE pos_connections SET last_run_id = ?, last_run_at = NOW(3), last_run_status = 'running', updated_at = NOW(3) WHERE id = ?`,
        [run!.id, conn.id],
      );
      const cursor = conn.sync_cursor ? (JSON.parse(conn.sync_cursor) as PosCursor) : {};
      return { runId: run!.id, mode, reportSales: Boolean(Number(conn.report_sales)), cursor };
    },

    /**
     * Streams a full snapshot through in chunks. A retried attempt streams again from the start
     * (the vendor cannot seek); rows the first attempt already applied carry this run's mark and
     * are skipped, so nothing is written or counted twice.
     */
    async posSyncSnapshot(input: { runId: string; connectionId: string; chunkSize?: number }): Promise<{ processed: number }> {
      const ctx = activityContext();
      const conn = await connection(input.connectionId);
      const connector = connectorFor(conn, keyringOf(config)) as SnapshotConnector;
      return guarded(async () => {
        let ordinal = 0;
        for await (const chunk of prefetch(connector.snapshot({ chunkSize: input.chunkSize ?? 1000 }))) {
          ctx?.cancellationSignal.throwIfAborted();
          const { changedVariantIds } = await store.applyResults(conn, input.runId, chunk, ordinal, 'snapshot');
          ordinal += chunk.length;
          await publish(conn, input.runId, changedVariantIds);
          ctx?.heartbeat({ processed: ordinal });
        }
        return { processed: ordinal };
      });
    },

    async posZeroMissing(input: { runId: string; connectionId: string }): Promise<{ zeroed: number }> {
      const ctx = activityContext();
      const conn = await connection(input.connectionId);
      let zeroed = 0;
      for (;;) {
        ctx?.cancellationSignal.throwIfAborted();
        const slice = await store.zeroSlice(conn, input.runId);
        if (slice.rows === 0) break;
        zeroed += slice.zeroed;
        await publish(conn, input.runId, slice.changedVariantIds);
        ctx?.heartbeat({ zeroed });
      }
      return { zeroed };
    },

    /**
     * Applies up to `maxPages` pages of changes. Each applied page's resume point is heartbeated, so
     * a retried attempt continues after the last page it finished rather than from the start.
     */
    async posSyncChanges(input: {
      runId: string;
      connectionId: string;
      from?: ChangeCursor | ChangeResumePoint;
      maxPages?: number;
      pageSize?: number;
    }): Promise<ChangesResult> {
      const ctx = activityContext();
      const heartbeated = ctx?.info.heartbeatDetails as { resume?: ChangeResumePoint } | undefined;
      const from = heartbeated?.resume ?? input.from;
      const conn = await connection(input.connectionId);
      const connector = connectorFor(conn, keyringOf(config)) as IncrementalConnector;
      const maxPages = input.maxPages ?? 50;
      return guarded(async () => {
        let pages = 0;
        let resume: ChangeResumePoint | undefined;
        for await (const page of prefetch(connector.changes(from, { pageSize: input.pageSize ?? 500 }))) {
          ctx?.cancellationSignal.throwIfAborted();
          const first = page.resume.skip - page.results.length;
          const { changedVariantIds } = await store.applyResults(conn, input.runId, page.results, first, 'changes');
          await publish(conn, input.runId, changedVariantIds);
          pages++;
          resume = page.resume;
          ctx?.heartbeat({ resume });
          if (page.next) return { done: true, pages, resume, next: page.next };
          if (pages >= maxPages) return { done: false, pages, resume };
        }
        return { done: true, pages, ...(resume ? { resume } : {}) };
      });
    },

    /**
     * Completed POS sales since the sales cursor become METRC sales-receipt submissions, each run by
     * workflow `metrcSubmission` on the compliance queue. The receipt number is derived from the
     * vendor's sale id, so a re-read sale finds its submission instead of making another.
     */
    async posReportSales(input: { runId: string; connectionId: string; since?: SalesCursor }): Promise<{ reported: number; next?: SalesCursor }> {
      const ctx = activityContext();
      const conn = await connection(input.connectionId);
      const [location] = await store.select<{ license_number: string; timezone: string }>(
        'SELECT license_number, timezone FROM locations WHERE id = ?',
        [conn.location_id],
      );
      if (!location) throw ApplicationFailure.create({ type: 'NotFound', message: 'the connection\'s location is gone', nonRetryable: true });
      const license = location.license_number;
      if (!deps.temporal) throw ApplicationFailure.create({ type: 'ConfigurationError', message: 'no Temporal client for starting submissions' });
      const client = await deps.temporal();
      const settings = temporalSettings(config);
      const connector = connectorFor(conn, keyringOf(config));
      const reportReceiptChange = createReceiptChangeReporter(sequelize);

      async function start(submissionId: string, kind: SubmissionKind, awaitReceipt = false): Promise<void> {
        try {
          await client.workflow.start<MetrcSubmissionWorkflow>(WORKFLOW_TYPES.metrcSubmission, {
            workflowId: workflowIdFor(submissionId),
            taskQueue: settings.taskQueues.compliance,
            typedSearchAttributes: metrcSearchAttributes({ submissionId, kind, license }),
            args: [{ submissionId, retry: settings.defaultActivityRetry, ...(awaitReceipt ? { awaitReceipt: {} } : {}) }],
            // Never a second execution for a submission that already ran.
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      }

      return guarded(async () => {
        let reported = 0;
        let next: SalesCursor | undefined;
        let pageNo = 0;
        for await (const page of connector.sales(input.since)) {
          ctx?.cancellationSignal.throwIfAborted();
          pageNo++;
          const itemIds = [...new Set(page.results.flatMap((r) => (r.ok ? r.sale.lines.map((l) => l.vendorItemId) : [])))];
          const packages = await store.packagesFor(conn, itemIds);
          const problems: ItemProblem[] = [];
          let pageReported = 0;
          for (const [k, r] of page.results.entries()) {
            const key = (id?: string) => ({ ordinal: k, vendorItemId: `sale:${id ?? `#${pageNo}-${k}`}` });
            if (!r.ok) {
              problems.push({ ...key(r.vendorSaleId), reason: r.reason });
              continue;
            }
            // A void or return changes (or withdraws) the receipt we reported for its sale.
            if (r.sale.status !== 'completed' || r.sale.returnOf !== undefined) {
              const change = await reportReceiptChange({ vendor: conn.vendor, licenseNumber: location.license_number, sale: r.sale, packages, createdBy: `pos-sync:${conn.id}` });
              if (change.problem) problems.push({ ...key(r.sale.vendorSaleId), reason: change.problem });
              if (change.start && change.kind) await start(change.start, change.kind, true);
              if (change.created) pageReported++;
              continue;
            }
            // The vendor already reports this sale to the state itself (BLAZE's trace status): a
            // second receipt would be a duplicate in METRC.
            if (r.sale.complianceStatus && r.sale.complianceStatus !== 'None') continue;
            const receipt = saleReceipt(conn.vendor, r.sale, location.timezone, packages);
            if (!receipt.ok) {
              problems.push({ ...key(r.sale.vendorSaleId), reason: receipt.reason });
              continue;
            }
            const issues = validatePayload('sales_receipt', receipt.payload);
            if (issues.length > 0) {
              problems.push({ ...key(r.sale.vendorSaleId), reason: issues.map((i) => `${i.field}: ${i.issue}`).join('; ') });
              continue;
            }
            const ins = await insertSubmission(sequelize, {
              kind: 'sales_receipt',
              licenseNumber: location.license_number,
              payload: receipt.payload,
              posSaleId: r.sale.vendorSaleId,
              createdBy: `pos-sync:${conn.id}`,
            });
            await start(ins.created ? ins.row.id : ins.existingId, 'sales_receipt');
            if (ins.created) pageReported++;
          }
          await store.recordRunProblems(input.runId, problems, { salesReported: pageReported, phase: 'sales' });
          reported += pageReported;
          if (page.next) next = page.next;
          ctx?.heartbeat({ reported });
        }
        return { reported, ...(next ? { next } : {}) };
      });
    },

    async posFinishRun(input: { runId: string; connectionId: string; cursor?: PosCursor }): Promise<{ status: string }> {
      return sequelize.transaction(async (t) => {
        const [run] = await store.select<{ status: string; item_errors: number }>(
          'SELECT status, item_errors FROM sync_runs WHERE id = ? FOR UPDATE',
          [input.runId],
          t,
        );
        if (!run) throw ApplicationFailure.create({ type: 'NotFound', message: `sync run ${input.runId} missing`, nonRetryable: true });
        if (run.status !== 'running') return { status: run.status };
        const status = finalStatus(run.item_errors);
        await store.exec(
          `UPDATE sync_runs SET status = ?, phase = 'done', finished_at = NOW(3),
             duration_ms = TIMESTAMPDIFF(MICROSECOND, started_at, NOW(3)) DIV 1000, updated_at = NOW(3) WHERE id = ?`,
          [status, input.runId],
          t,
        );
        const [conn] = await store.select<{ sync_cursor: string | null }>('SELECT sync_cursor FROM pos_connections WHERE id = ? FOR UPDATE', [input.connectionId], t);
        if (conn) {
          const cursor = { ...(conn.sync_cursor ? (JSON.parse(conn.sync_cursor) as PosCursor) : {}), ...input.cursor };
          await store.exec(
            `UPDATE pos_connections SET sync_cursor = ?, last_run_status = ?, last_success_at = NOW(3),
               auth_failed_at = NULL, auth_error = NULL, updated_at = NOW(3) WHERE id = ? AND last_run_id = ?`,
            [JSON.stringify(cursor), status, input.connectionId, input.runId],
            t,
          );
        }
        return { status };
      });
    },

    /** Marks the run failed; bad credentials also flag the connection so operators see it at once. */
    async posFailRun(input: { runId: string; connectionId: string; errorType: string; message: string }): Promise<void> {
      const message = input.message.slice(0, 2000);
      await store.exec(
        `UPDATE sync_runs SET status = 'failed', phase = 'done', finished_at = NOW(3), error_type = ?, error = ?,
           duration_ms = TIMESTAMPDIFF(MICROSECOND, started_at, NOW(3)) DIV 1000, updated_at = NOW(3)
         WHERE id = ? AND status = 'running'`,
        [input.errorType.slice(0, 64), message, input.runId],
      );
      const auth = input.errorType === 'PosAuthError';
      await store.exec(
        `UPDATE pos_connections SET last_run_status = 'failed', updated_at = NOW(3)
           ${auth ? ', auth_failed_at = NOW(3), auth_error = ?' : ''} WHERE id = ?`,
        auth ? [message.slice(0, 500), input.connectionId] : [input.connectionId],
      );
    },
  };
}

export type PosActivities = ReturnType<typeof createPosActivities>;
