import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { planBatch, type BatchPlan, type HeldPackage as HeldVendorPackage, type HeldRow, type ItemProblem, type SyncItem } from '../../domain/pos/plan.js';
import type { HeldPackage } from '../../domain/pos/receipt.js';
import type { ItemResult, PosVendor } from '../../integrations/pos/index.js';
import { timeOrderedId } from '../../platform/ids.js';
import { phaseTimingsEnabled, timed } from '../../platform/phaseTimings.js';

/**
 * POS sync's tables (pos_connections, sync_runs, inventory, inventory_packages, products,
 * variants and the sync's item errors), moved here from activities/pos.ts: the activities decide
 * and call the vendor; this file reads and writes.
 */
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

export interface BatchOutcome {
  created: number;
  updated: number;
  unchanged: number;
  itemErrors: number;
  replayed: number;
}

const ID = 'CHAR(36) CHARACTER SET ascii COLLATE ascii_bin';
const placeholders = (rows: number, cols: string) => Array.from({ length: rows }, () => cols).join(',');
/**
 * The phase moves only while the run is running: an activity still finishing a batch after its
 * workflow was terminated (and the run settled by the reaper) must not bring a settled run back.
 */
const PHASE = "phase = IF(status = 'running', ?, phase)";

/**
 * One batch's planned writes (see writePlan), typed as their target columns. Row k holds the k-th
 * write of each kind; a kind's columns are NULL past the end of its list.
 */
const STAGE_TABLE = `CREATE TEMPORARY TABLE pos_sync_stage (
  ord INT NOT NULL PRIMARY KEY,
  p_id ${ID} NULL, p_sku VARCHAR(64) NULL, p_name VARCHAR(200) NULL, p_category VARCHAR(100) NULL, p_brand VARCHAR(100) NULL,
  v_id ${ID} NULL, v_product_id ${ID} NULL, v_sku VARCHAR(64) NULL, v_name VARCHAR(200) NULL, v_price_minor BIGINT NULL,
  v_currency CHAR(3) NULL, v_unit VARCHAR(32) NULL,
  i_id ${ID} NULL, i_variant_id ${ID} NULL, i_product_id ${ID} NULL, i_on_hand INT NULL, i_label VARCHAR(24) CHARACTER SET ascii NULL,
  i_vendor_item_id VARCHAR(128) NULL, i_pos_quantity DECIMAL(16,4) NULL,
  k_id ${ID} NULL, k_inventory_id ${ID} NULL, k_vendor_item_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  k_label VARCHAR(24) CHARACTER SET ascii NULL, k_pos_quantity DECIMAL(16,4) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;

/**
 * The staging load (see stage()). Tab-separated fields, \N for NULL, backslash escapes and
 * newline-ended lines are LOAD DATA's defaults in MySQL 8 and MariaDB 10.11 alike.
 */
const LOAD_STAGE = "LOAD DATA LOCAL INFILE 'pos_sync_stage' INTO TABLE pos_sync_stage CHARACTER SET utf8mb4";
/**
 * The server (or the client flags) refuse LOCAL INFILE: ER_NOT_ALLOWED_COMMAND (1148), MySQL 8's
 * ER_CLIENT_LOCAL_FILES_DISABLED (3948), MariaDB's ER_LOAD_INFILE_CAPABILITY_DISABLED (4166).
 */
const LOCAL_INFILE_REFUSED = new Set([1148, 3948, 4166]);
/**
 * Unknown until the first load; once refused, this process stages with INSERT. The worker sets
 * the method from POS_SYNC_STAGING at start (activities/pos.ts); `insert` never tries LOAD DATA.
 */
let localInfile: boolean | undefined;
/** Stage by INSERT from now on ('insert'), or try LOAD DATA again ('auto'). */
export function setPosStagingMethod(method: 'auto' | 'insert'): void {
  localInfile = method === 'insert' ? false : undefined;
}
/** How this process stages batches (benches print it): LOAD DATA, INSERT, or none staged yet. */
export const posStagingMethod = (): string => (localInfile === undefined ? 'none yet' : localInfile ? 'LOAD DATA LOCAL INFILE' : 'multi-row INSERT');
type RawConnection = { query: (opts: object, cb: (err: unknown, res: { affectedRows: number; warningStatus: number }) => void) => void };

function tsvField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') return String(v);
  return String(v).replace(/[\\\t\n\r\0]/g, (c) => TSV_ESCAPES[c]!);
}
const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/**
 * The database side of a sync: per batch, one read of what we hold for the batch's SKUs and
 * vendor items, then the planned writes staged and merged set-based (writePlan), all in one
 * transaction together with the run's counters, so a retried batch finds its own work and neither
 * writes nor counts it twice.
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

  /**
   * Fills the staging table: LOAD DATA LOCAL INFILE from an in-memory stream where the server
   * allows it (MariaDB's default; MySQL 8 needs local_infile=ON), else one multi-row INSERT. The
   * load skips SQL parsing of the batch's ~125,000 literals: about half the INSERT's time on MariaDB
   * 10.11 (5,000 rows, 86–113 ms against 170–180 ms). A LOCAL load turns a value the column cannot
   * hold into a warning (truncated or converted) where the INSERT fails in strict mode, so a load
   * with warnings is undone and the rows go through the INSERT, which fails on them as before.
   */
  async function stage(rows: unknown[][], t: Transaction): Promise<void> {
    if (localInfile !== false && (await loadStage(rows, t))) return;
    await exec(`INSERT INTO pos_sync_stage VALUES ${placeholders(rows.length, `(${placeholders(25, '?')})`)}`, rows.flat(), t);
  }

  async function loadStage(rows: unknown[][], t: Transaction): Promise<boolean> {
    // The transaction's own connection: the staging table is TEMPORARY (private to it), and the
    // stream has to be handed to mysql2 per query, which Sequelize's query() cannot pass on.
    const connection = (t as unknown as { connection: RawConnection }).connection;
    const text = rows.map((r) => r.map(tsvField).join('\t')).join('\n') + '\n';
    try {
      const result = await new Promise<{ affectedRows: number; warningStatus: number }>((resolve, reject) =>
        connection.query(
          { sql: LOAD_STAGE, infileStreamFactory: () => Readable.from([Buffer.from(text, 'utf8')]) },
          (err: unknown, res: { affectedRows: number; warningStatus: number }) => (err ? reject(err) : resolve(res)),
        ),
      );
      if (result.affectedRows === rows.length && result.warningStatus === 0) {
        localInfile = true;
        return true;
      }
      if (phaseTimingsEnabled()) console.error('[pos-sync] staging load had warnings:', JSON.stringify(await select('SHOW WARNINGS LIMIT 3', [], t)));
      await exec('DELETE FROM pos_sync_stage', [], t);
      return false;
    } catch (err) {
      if (!LOCAL_INFILE_REFUSED.has((err as { errno?: number }).errno ?? 0)) throw err;
      localInfile = false;
      return false;
    }
  }

  /**
   * Writes a batch's plan the set-based way: its rows go to a per-session staging table in ONE
   * multi-row INSERT (row k carries the k-th product, variant, stock-row and package write, each
   * group NULL when its list is shorter), then ONE INSERT … SELECT … ON DUPLICATE KEY UPDATE per
   * table merges them. The plan holds only what changed, so unchanged rows are never touched.
   * Measured on MariaDB (bench:pos-sync) against the per-table multi-row upserts it replaces: the
   * rows cross the wire and the parser once instead of four times. Only syntax MySQL 8 and
   * MariaDB 10.11 share: a TEMPORARY table (no implicit commit, private to the transaction's
   * connection, referenced once per statement as MySQL requires) and VALUES() in ON DUPLICATE.
   */
  async function writePlan(conn: ConnectionRow, runId: string, plan: BatchPlan, t: Transaction): Promise<void> {
    const n = Math.max(plan.products.length, plan.variants.length, plan.inventory.length, plan.packages.length);
    if (n > 0) {
      // A pooled connection may still hold the table from a batch that failed before dropping it.
      await timed('stage.create', () => exec('DROP TEMPORARY TABLE IF EXISTS pos_sync_stage', [], t));
      await timed('stage.create', () => exec(STAGE_TABLE, [], t));
      const rows = Array.from({ length: n }, (_, k) => {
        const p = plan.products[k];
        const v = plan.variants[k];
        const i = plan.inventory[k];
        const g = plan.packages[k];
        return [
          k,
          p?.id ?? null, p?.sku ?? null, p?.name ?? null, p?.category ?? null, p?.brand ?? null,
          v?.id ?? null, v?.product_id ?? null, v?.sku ?? null, v?.name ?? null, v?.price_minor ?? null, v?.currency ?? null, v?.unit_of_measure ?? null,
          i?.id ?? null, i?.variant_id ?? null, i?.product_id ?? null, i?.quantity_on_hand ?? null, i?.metrc_package_label ?? null, i?.vendor_item_id ?? null, i?.pos_quantity ?? null,
          g?.id ?? null, g?.inventory_id ?? null, g?.vendor_item_id ?? null, g?.metrc_package_label ?? null, g?.pos_quantity ?? null,
        ];
      });
      await timed('stage.insert', () => stage(rows, t));
      if (plan.products.length > 0) {
        await timed('merge.products', () => exec(
          `INSERT INTO products (id, entity_id, pos_sync_key, name, category, brand, created_at, updated_at)
           SELECT p_id, ?, p_sku, p_name, p_category, p_brand, NOW(3), NOW(3) FROM pos_sync_stage WHERE p_id IS NOT NULL ORDER BY ord
           ON DUPLICATE KEY UPDATE name = VALUES(name), category = VALUES(category), brand = VALUES(brand), updated_at = NOW(3)`,
          [conn.entity_id],
          t,
        ));
      }
      if (plan.variants.length > 0) {
        await timed('merge.variants', () => exec(
          `INSERT INTO product_variants (id, product_id, entity_id, sku, name, price_minor, currency, unit_of_measure, created_at, updated_at)
           SELECT v_id, v_product_id, ?, v_sku, v_name, v_price_minor, v_currency, v_unit, NOW(3), NOW(3) FROM pos_sync_stage WHERE v_id IS NOT NULL ORDER BY ord
           ON DUPLICATE KEY UPDATE name = VALUES(name), price_minor = VALUES(price_minor), currency = VALUES(currency),
             unit_of_measure = VALUES(unit_of_measure), updated_at = NOW(3)`,
          [conn.entity_id],
          t,
        ));
      }
      if (plan.inventory.length > 0) {
        // New stock rows, holding the sum of this batch's packages (nothing else points at them yet).
        // Should the row exist after all (written since we read), reservations for open orders stay
        // covered (the check constraint demands it) and a label we hold survives a vendor that sends none.
        await timed('merge.inventory', () => exec(
          `INSERT INTO inventory (id, variant_id, product_id, location_id, entity_id, quantity_on_hand, quantity_reserved,
             metrc_package_label, pos_connection_id, vendor_item_id, pos_quantity, pos_seen_run, created_at, updated_at)
           SELECT i_id, i_variant_id, i_product_id, ?, ?, i_on_hand, 0, i_label, ?, i_vendor_item_id, i_pos_quantity, ?, NOW(3), NOW(3)
             FROM pos_sync_stage WHERE i_id IS NOT NULL ORDER BY ord
           ON DUPLICATE KEY UPDATE quantity_on_hand = GREATEST(VALUES(quantity_on_hand), inventory.quantity_reserved),
             metrc_package_label = COALESCE(VALUES(metrc_package_label), inventory.metrc_package_label),
             pos_connection_id = VALUES(pos_connection_id), vendor_item_id = VALUES(vendor_item_id),
             pos_quantity = VALUES(pos_quantity), pos_seen_run = VALUES(pos_seen_run), updated_at = NOW(3)`,
          [conn.location_id, conn.entity_id, conn.id, runId],
          t,
        ));
      }
      if (plan.packages.length > 0) {
        await timed('merge.packages', () => exec(
          `INSERT INTO inventory_packages (id, pos_connection_id, vendor_item_id, inventory_id, metrc_package_label, pos_quantity, pos_seen_run, created_at, updated_at)
           SELECT k_id, ?, k_vendor_item_id, k_inventory_id, k_label, k_pos_quantity, ?, NOW(3), NOW(3) FROM pos_sync_stage WHERE k_id IS NOT NULL ORDER BY ord
           ON DUPLICATE KEY UPDATE inventory_id = VALUES(inventory_id),
             metrc_package_label = COALESCE(VALUES(metrc_package_label), inventory_packages.metrc_package_label),
             pos_quantity = VALUES(pos_quantity), pos_seen_run = VALUES(pos_seen_run), updated_at = NOW(3)`,
          [conn.id, runId],
          t,
        ));
      }
      await timed('stage.drop', () => exec('DROP TEMPORARY TABLE pos_sync_stage', [], t));
    }
    await timed('recount', () => recount(conn, runId, plan.recount, t));
    if (plan.seenPackages.length > 0) {
      await timed('seen', () => exec('UPDATE inventory_packages SET pos_seen_run = ? WHERE id IN (?)', [runId, plan.seenPackages], t));
    }
    if (plan.seenStock.length > 0) {
      await timed('seen', () => exec('UPDATE inventory SET pos_seen_run = ? WHERE id IN (?)', [runId, plan.seenStock], t));
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
      const [holding, packages] = await timed('read.held', () =>
        Promise.all([held(conn, skus), heldPackages(conn, [...new Set(items.map((i) => i.vendorItemId))])]),
      );
      const missing = skus.filter((s) => !holding.has(s));
      const orphans = await timed('read.orphans', () => orphanProducts(conn, missing));
      // Time-ordered ids: a catalogue's new rows append to each table's indexes (see timeOrderedId).
      const plan = await timed('plan', async () => planBatch(items, holding, packages, { runId, connectionId: conn.id, newId: timeOrderedId, orphanProducts: orphans }));
      problems.push(...plan.problems);
      const itemErrors = await timed('tx.total', () => sequelize.transaction(async (t) => {
        await writePlan(conn, runId, plan, t);
        const newErrors = await timed('problems', () => recordProblems(runId, problems, t));
        const { created, updated, unchanged } = plan.counts;
        await timed('counters', () => exec(
          `UPDATE sync_runs SET fetched = fetched + ?, created = created + ?, updated = updated + ?, unchanged = unchanged + ?,
             item_errors = item_errors + ?, pages = pages + 1, ${PHASE}, updated_at = NOW(3) WHERE id = ?`,
          [created + updated + unchanged + newErrors, created, updated, unchanged, newErrors, phase, runId],
          t,
        ));
        return newErrors;
      }));
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

    /** The run of this workflow (made once, however often the start is retried), marked the connection's latest. */
    async openRun(conn: ConnectionRow, workflowId: string, mode: string): Promise<string> {
      await exec(
        `INSERT IGNORE INTO sync_runs (id, connection_id, entity_id, workflow_id, status, mode, phase, started_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'running', ?, 'starting', NOW(3), NOW(3), NOW(3))`,
        [randomUUID(), conn.id, conn.entity_id, workflowId, mode],
      );
      const [run] = await select<{ id: string }>('SELECT id FROM sync_runs WHERE workflow_id = ?', [workflowId]);
      await exec(`UPDATE pos_connections SET last_run_id = ?, last_run_at = NOW(3), last_run_status = 'running', updated_at = NOW(3) WHERE id = ?`, [run!.id, conn.id]);
      return run!.id;
    },

    async locationOf(locationId: string): Promise<{ license_number: string; timezone: string } | undefined> {
      const [location] = await select<{ license_number: string; timezone: string }>('SELECT license_number, timezone FROM locations WHERE id = ?', [locationId]);
      return location;
    },

    /**
     * Settles a running run with the status its item errors give, and (still the connection's
     * latest run) moves the connection's cursor on: one transaction. Undefined when the run is gone;
     * a run already settled keeps its status.
     */
    async finishRun(runId: string, connectionId: string, cursor: Record<string, unknown> | undefined, statusFor: (itemErrors: number) => string): Promise<{ status: string } | undefined> {
      return sequelize.transaction(async (t) => {
        const [run] = await select<{ status: string; item_errors: number }>('SELECT status, item_errors FROM sync_runs WHERE id = ? FOR UPDATE', [runId], t);
        if (!run) return undefined;
        if (run.status !== 'running') return { status: run.status };
        const status = statusFor(run.item_errors);
        await exec(
          `UPDATE sync_runs SET status = ?, phase = 'done', finished_at = NOW(3),
             duration_ms = TIMESTAMPDIFF(MICROSECOND, started_at, NOW(3)) DIV 1000, updated_at = NOW(3) WHERE id = ?`,
          [status, runId],
          t,
        );
        const [conn] = await select<{ sync_cursor: string | null }>('SELECT sync_cursor FROM pos_connections WHERE id = ? FOR UPDATE', [connectionId], t);
        if (conn) {
          const merged = { ...(conn.sync_cursor ? (JSON.parse(conn.sync_cursor) as Record<string, unknown>) : {}), ...cursor };
          await exec(
            `UPDATE pos_connections SET sync_cursor = ?, last_run_status = ?, last_success_at = NOW(3),
               auth_failed_at = NULL, auth_error = NULL, updated_at = NOW(3) WHERE id = ? AND last_run_id = ?`,
            [JSON.stringify(merged), status, connectionId, runId],
            t,
          );
        }
        return { status };
      });
    },

    /** Marks a running run failed; `authError` also flags the connection so operators see it at once. */
    async failRun(runId: string, connectionId: string, errorType: string, message: string, authError?: string): Promise<void> {
      await exec(
        `UPDATE sync_runs SET status = 'failed', phase = 'done', finished_at = NOW(3), error_type = ?, error = ?,
           duration_ms = TIMESTAMPDIFF(MICROSECOND, started_at, NOW(3)) DIV 1000, updated_at = NOW(3)
         WHERE id = ? AND status = 'running'`,
        [errorType, message, runId],
      );
      await exec(
        `UPDATE pos_connections SET last_run_status = 'failed', updated_at = NOW(3)
           ${authError !== undefined ? ', auth_failed_at = NOW(3), auth_error = ?' : ''} WHERE id = ?`,
        authError !== undefined ? [authError, connectionId] : [connectionId],
      );
    },
  };
}

export type PosStore = ReturnType<typeof createPosStore>;

// ---- runs seen from outside a sync (the API's run pages, the stale-run reaper) ---------------------

/** One page of a run's item errors, in the order they were recorded, and how many there are. */
export async function syncItemErrorsPage(sequelize: Sequelize, runId: string, limit: number, offset: number): Promise<{ rows: Array<Record<string, unknown>>; total: number }> {
  const [rows, [count]] = await Promise.all([
    sequelize.query<Record<string, unknown>>('SELECT id, item_key, vendor_item_id, reason, created_at FROM sync_item_errors WHERE run_id = ? ORDER BY id LIMIT ? OFFSET ?', {
      replacements: [runId, limit, offset],
      type: QueryTypes.SELECT,
    }),
    sequelize.query<{ total: number }>('SELECT COUNT(*) AS total FROM sync_item_errors WHERE run_id = ?', { replacements: [runId], type: QueryTypes.SELECT }),
  ]);
  return { rows, total: Number(count?.total ?? 0) };
}

/** Up to `limit` running runs after `after` (keyset over id). */
export async function runningSyncRuns(sequelize: Sequelize, after: string | undefined, limit: number): Promise<Array<{ id: string; connection_id: string; workflow_id: string }>> {
  return sequelize.query<{ id: string; connection_id: string; workflow_id: string }>(
    `SELECT id, connection_id, workflow_id FROM sync_runs WHERE status = 'running' ${after ? 'AND id > ?' : ''} ORDER BY id LIMIT ?`,
    { replacements: [...(after ? [after] : []), limit], type: QueryTypes.SELECT },
  );
}

/**
 * Settles a run whose workflow ended without settling it, if it is still running; the connection
 * shows the failure only while this is its latest run. False when the run had settled meanwhile.
 */
export async function settleAbandonedRun(sequelize: Sequelize, run: { id: string; connection_id: string }, errorType: string, message: string): Promise<boolean> {
  return sequelize.transaction(async (transaction) => {
    const [, meta] = await sequelize.query(
      `UPDATE sync_runs SET status = 'failed', phase = 'done', finished_at = NOW(3), error_type = ?, error = ?,
         duration_ms = TIMESTAMPDIFF(MICROSECOND, started_at, NOW(3)) DIV 1000, updated_at = NOW(3)
       WHERE id = ? AND status = 'running'`,
      { replacements: [errorType, message, run.id], transaction },
    );
    if (((meta as { affectedRows?: number } | undefined)?.affectedRows ?? 0) === 0) return false;
    await sequelize.query(`UPDATE pos_connections SET last_run_status = 'failed', updated_at = NOW(3) WHERE id = ? AND last_run_id = ?`, {
      replacements: [run.connection_id, run.id],
      transaction,
    });
    return true;
  });
}

/** A deleted connection's stock stays; it only stops being fed by the connection. */
export async function detachConnectionStock(sequelize: Sequelize, connectionId: string, transaction: Transaction): Promise<void> {
  await sequelize.query('UPDATE inventory SET pos_connection_id = NULL, pos_seen_run = NULL WHERE pos_connection_id = ?', { replacements: [connectionId], transaction });
}
