/** POS sync runs: the history, one run, and the vendor records a run could not take in. */
import type { Api, Page } from '../api/http.js';
import type { components } from '../../../../openapi/types.js';
import type { PosConnection } from './types.js';

export type SyncRun = components['schemas']['SyncRun'];
export type SyncRunStatus = components['schemas']['SyncRunStatus'];
export type SyncItemError = components['schemas']['SyncItemError'];

export function syncsService(api: Api) {
  return {
    /** The connections whose runs these are (managed on the POS connections page). */
    connections: () => api.unwrap<Page<PosConnection>>(api.client.GET('/pos-connections', { params: { query: { limit: 100 } } })),
    runs: (query: { page?: number; limit?: number; connection_id?: string; status?: SyncRunStatus } = {}) =>
      api.unwrap<Page<SyncRun>>(api.client.GET('/sync-runs', { params: { query } })),
    run: (id: string) => api.unwrap<SyncRun>(api.client.GET('/sync-runs/{id}', { params: { path: { id } } })),
    itemErrors: (runId: string, page = 1) =>
      api.unwrap<Page<SyncItemError>>(api.client.GET('/sync-runs/{id}/item-errors', { params: { path: { id: runId }, query: { page, limit: 50 } } })),
  };
}

/** Runs report their phase, not a total; the bar advances through the phases. */
const PHASES: Record<string, number> = { starting: 0.05, snapshot: 0.35, changes: 0.5, zeroing: 0.75, sales: 0.9, done: 1 };

/**
 * 0..1 progress of a run (1 once it has ended), or undefined when a running run says nothing
 * usable. Takes any progress shape: events on the live socket are not checked against the spec.
 */
export function runProgress(run: { id?: string; status: string; progress?: unknown }): number | undefined {
  if (run.status !== 'running' && run.status !== 'queued' && run.status !== 'pending') return 1;
  const p = run.progress as { phase?: unknown; percent?: unknown; done?: unknown; total?: unknown } | number | null | undefined;
  if (typeof p === 'number') return Math.max(0, Math.min(1, p > 1 ? p / 100 : p));
  if (!p || typeof p !== 'object') return undefined;
  if (typeof p.phase === 'string' && PHASES[p.phase] !== undefined) return PHASES[p.phase];
  if (typeof p.percent === 'number') return Math.max(0, Math.min(1, p.percent / 100));
  if (typeof p.done === 'number' && typeof p.total === 'number' && p.total > 0) return Math.min(1, p.done / p.total);
  return undefined;
}
