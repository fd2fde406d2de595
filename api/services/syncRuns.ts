import type { Actor } from '../../domain/actor.js';
import { notFound } from '../../domain/errors.js';
import { models, type Row } from '../../db/models.js';
import { syncItemErrorsPage } from '../../db/repositories/posSync.js';
import { staleVerdict } from '../../domain/pos/reaper.js';
import { workflowState } from '../../platform/workflowState.js';
import type { ApiDeps } from '../deps.js';
import type { ListParams, Page } from './crud.js';
import { orderBy } from './crud.js';
import { ownedBy, withinScope } from './tenancy.js';

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v ?? null);

/** How long a read waits for Temporal before calling a running run "not known stale". */
const STALE_CHECK_TIMEOUT_MS = 2000;

/**
 * `stale`: the row still says running but its workflow is no longer running in Temporal
 * (terminated, timed out, gone). The sync-runs reaper settles such runs as failed within minutes;
 * until then readers can tell them from live ones.
 */
export function runToApi(r: Row, stale = false): Row {
  return {
    id: r.id,
    connection_id: r.connection_id,
    entity_id: r.entity_id,
    workflow_id: r.workflow_id,
    status: r.status,
    mode: r.mode,
    counts: {
      fetched: Number(r.fetched),
      created: Number(r.created),
      updated: Number(r.updated),
      unchanged: Number(r.unchanged),
      zeroed: Number(r.zeroed),
      item_errors: Number(r.item_errors),
      sales_reported: Number(r.sales_reported ?? 0),
    },
    progress: { phase: r.phase, pages: Number(r.pages), items: Number(r.fetched) },
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
    duration_ms: r.duration_ms === null || r.duration_ms === undefined ? null : Number(r.duration_ms),
    error: r.error_type ? { type: r.error_type, message: r.error ?? '' } : null,
    stale: r.status === 'running' && stale,
  };
}

/**
 * Ids of the `running` rows among `rows` whose workflow has ended. Asks Temporal only about
 * running rows (a handful: the Schedules skip overlaps), in parallel and briefly; a row Temporal
 * could not be asked about counts as not stale.
 */
export async function staleRunIds(deps: Pick<ApiDeps, 'temporal'>, rows: readonly Row[]): Promise<Set<string>> {
  const running = rows.filter((r) => r.status === 'running');
  if (running.length === 0) return new Set();
  let client;
  try {
    client = await deps.temporal.get();
  } catch {
    return new Set();
  }
  const c = client;
  const checked = await Promise.all(
    running.map(async (r) => {
      try {
        return staleVerdict(await workflowState(c, String(r.workflow_id), { timeoutMs: STALE_CHECK_TIMEOUT_MS })) ? String(r.id) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return new Set(checked.filter((id): id is string => id !== undefined));
}

/** Rows to API shape, each running one checked against Temporal for staleness. */
export async function runsToApi(deps: Pick<ApiDeps, 'temporal'>, rows: readonly Row[]): Promise<Row[]> {
  const stale = await staleRunIds(deps, rows);
  return rows.map((r) => runToApi(r, stale.has(String(r.id))));
}

export function createSyncRunService(deps: ApiDeps) {
  const m = () => models(deps.sequelize);
  const scope = ownedBy('entity_id');

  async function find(actor: Actor, id: string): Promise<Row> {
    const row = await m().SyncRun.findOne({ where: withinScope(scope(actor), { id }), raw: true });
    if (!row) throw notFound('Sync run', id);
    return row as unknown as Row;
  }

  return {
    async list(actor: Actor, params: ListParams): Promise<Page<Row>> {
      const filters: Record<string, unknown> = {};
      for (const f of ['connection_id', 'status', 'mode'] as const) if (params[f] !== undefined) filters[f] = params[f];
      const { rows, count } = await m().SyncRun.findAndCountAll({
        where: withinScope(scope(actor), filters),
        order: orderBy(params.sort ?? '-started_at'),
        limit: params.limit,
        offset: (params.page - 1) * params.limit,
        raw: true,
      });
      return {
        data: await runsToApi(deps, rows as unknown as Row[]),
        pagination: { page: params.page, limit: params.limit, total: count, total_pages: Math.ceil(count / params.limit) },
      };
    },

    async get(actor: Actor, id: string): Promise<Row> {
      const [run] = await runsToApi(deps, [await find(actor, id)]);
      return run!;
    },

    async itemErrors(actor: Actor, id: string, page: number, limit: number): Promise<Page<Row>> {
      await find(actor, id);
      const { rows, total: n } = await syncItemErrorsPage(deps.sequelize, id, limit, (page - 1) * limit);
      return {
        data: rows.map((r) => ({
          id: Number(r.id),
          item_key: r.item_key,
          vendor_item_id: r.vendor_item_id ?? null,
          reason: r.reason,
          created_at: iso(r.created_at),
        })),
        pagination: { page, limit, total: n, total_pages: Math.ceil(n / limit) },
      };
    },
  };
}

export type SyncRunService = ReturnType<typeof createSyncRunService>;
