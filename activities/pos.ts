import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { insertSubmission, workflowIdFor } from '../db/repositories/metrcSubmissions.js';
import { validatePayload, type SubmissionKind } from '../domain/metrc/kinds.js';
import { finalStatus } from '../domain/pos/health.js';
import { saleReceipt } from '../domain/pos/receipt.js';
import { CREDENTIALS_PURPOSE, type VendorCredentials } from '../domain/pos/credentials.js';
import type { ItemProblem } from '../domain/pos/plan.js';
import {
  createConnector,
  isPosError,
  PosRateLimitError,
  type ChangeCursor,
  type ChangeResumePoint,
  type IncrementalConnector,
  type PosConnector,
  type PosVendor,
  type SalesCursor,
  type SnapshotConnector,
} from '../integrations/pos/index.js';
import { decryptSecret, keyringOf, type KeySource } from '../platform/crypto.js';
import { temporalSettings } from '../temporal.config.js';
import { phaseTimings, phaseTimingsEnabled, timed } from '../platform/phaseTimings.js';
import type { ActivityDeps } from './deps.js';
import { createPosStore, posStagingMethod, setPosStagingMethod, type ConnectionRow } from '../db/repositories/posSync.js';
import { createReceiptChangeReporter } from './posReceiptChanges.js';
import { WORKFLOW_TYPES, metrcSearchAttributes, type MetrcSubmissionWorkflow } from '../contracts/index.js';
import { bumpVersion } from '../platform/cacheVersions.js';

export const EVENTS_STREAM = 'trellis:events';
/** Variant ids carried by one inventory.changed event; the count says how many changed in all. */
const EVENT_SAMPLE = 50;
const EVENTS_MAXLEN = 100_000;
/**
 * Snapshot items per batch (one transaction, one staged merge). Larger batches measured faster
 * (fewer statements and commits per item, bench:pos-sync); 5,000 keeps each batch's staging
 * INSERT a few MB, well inside the servers' default max_allowed_packet (16 MB MariaDB, 64 MB MySQL 8).
 */
const SNAPSHOT_CHUNK = 5000;

export type SyncMode = 'snapshot' | 'incremental';

export interface PosCursor {
  changes?: ChangeCursor;
  sales?: SalesCursor;
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

export type { BatchOutcome, ConnectionRow, PosStore } from '../db/repositories/posSync.js';

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
      // Time spent waiting for the vendor after a write finished (zero when the read keeps ahead).
      const step = await timed('vendor.wait', () => next);
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


export function createPosActivities(deps: ActivityDeps) {
  const { sequelize, redis, config } = deps;
  const store = createPosStore(sequelize);
  setPosStagingMethod(config.posSyncStaging);

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
      const runId = await store.openRun(conn, input.workflowId, mode);
      const cursor = conn.sync_cursor ? (JSON.parse(conn.sync_cursor) as PosCursor) : {};
      return { runId, mode, reportSales: Boolean(Number(conn.report_sales)), cursor };
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
        for await (const chunk of prefetch(connector.snapshot({ chunkSize: input.chunkSize ?? SNAPSHOT_CHUNK }))) {
          ctx?.cancellationSignal.throwIfAborted();
          const { changedVariantIds } = await store.applyResults(conn, input.runId, chunk, ordinal, 'snapshot');
          ordinal += chunk.length;
          await timed('publish', () => publish(conn, input.runId, changedVariantIds));
          ctx?.heartbeat({ processed: ordinal });
        }
        // Benches only: the worker's stderr is the bench's (see platform/phaseTimings.ts).
        if (phaseTimingsEnabled()) console.error(`[pos-sync timings] ${ordinal} items, staging by ${posStagingMethod()}: ${JSON.stringify(phaseTimings())}`);
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
      const location = await store.locationOf(conn.location_id);
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
      const settled = await store.finishRun(input.runId, input.connectionId, input.cursor as Record<string, unknown> | undefined, finalStatus);
      if (!settled) throw ApplicationFailure.create({ type: 'NotFound', message: `sync run ${input.runId} missing`, nonRetryable: true });
      return settled;
    },

    /** Marks the run failed; bad credentials also flag the connection so operators see it at once. */
    async posFailRun(input: { runId: string; connectionId: string; errorType: string; message: string }): Promise<void> {
      const message = input.message.slice(0, 2000);
      const auth = input.errorType === 'PosAuthError';
      await store.failRun(input.runId, input.connectionId, input.errorType.slice(0, 64), message, auth ? message.slice(0, 500) : undefined);
    },
  };
}

export type PosActivities = ReturnType<typeof createPosActivities>;
