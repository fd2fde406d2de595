import type { Api, Page } from '../api/http.js';
import type { PosConnection, SyncItemError, SyncRun } from './types.js';

export function syncsService(api: Api) {
  const conn = (id: string) => `/pos-connections/${encodeURIComponent(id)}`;
  return {
    connections: () => api.call<Page<PosConnection>>('GET', '/pos-connections', { query: { limit: 100 } }),
    runs: (query: { page?: number; limit?: number; connection_id?: string; status?: string } = {}) =>
      api.call<Page<SyncRun>>('GET', '/sync-runs', { query: { ...query } }),
    run: (id: string) => api.call<SyncRun>('GET', `/sync-runs/${encodeURIComponent(id)}`),
    itemErrors: (runId: string, page = 1) =>
      api.call<Page<SyncItemError>>('GET', `/sync-runs/${encodeURIComponent(runId)}/item-errors`, { query: { page, limit: 50 } }),
    test: (id: string) => api.call<{ ok?: boolean; error?: unknown; message?: string }>('POST', `${conn(id)}/test`),
    runNow: (id: string) => api.call<{ connection_id: string; requested_at: string }>('POST', `${conn(id)}/run-now`),
    pause: (id: string) => api.call<PosConnection>('POST', `${conn(id)}/pause`),
    resume: (id: string) => api.call<PosConnection>('POST', `${conn(id)}/resume`),
  };
}

/** 0..1 progress of a run, or undefined when the run does not know its total yet. */
/** Runs report their phase, not a total; the bar advances through the phases. */
const PHASES: Record<string, number> = { starting: 0.05, snapshot: 0.35, changes: 0.5, zeroing: 0.75, sales: 0.9, done: 1 };

export function runProgress(run: SyncRun): number | undefined {
  if (run.status !== 'running' && run.status !== 'queued' && run.status !== 'pending') return 1;
  const p = run.progress;
  if (p && typeof p === 'object' && typeof p.phase === 'string' && PHASES[p.phase] !== undefined) return PHASES[p.phase];
  if (typeof p === 'number') return Math.max(0, Math.min(1, p > 1 ? p / 100 : p));
  if (p && typeof p === 'object') {
    if (typeof p.percent === 'number') return Math.max(0, Math.min(1, p.percent / 100));
    if (typeof p.done === 'number' && typeof p.total === 'number' && p.total > 0) return Math.min(1, p.done / p.total);
  }
  return undefined;
}
