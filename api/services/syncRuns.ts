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
import { itemErrorToApi, runToApi } from '../presenters/syncRuns.js';

/** How long a read waits for Temporal before calling a running run "not known stale". */
const STALE_CHECK_TIMEOUT_MS = 2000;

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
        data: rows.map(itemErrorToApi),
        pagination: { page, limit, total: n, total_pages: Math.ceil(n / limit) },
      };
    },
  };
}

export type SyncRunService = ReturnType<typeof createSyncRunService>;
