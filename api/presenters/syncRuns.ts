import type { Row } from '../../db/models.js';

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v ?? null);

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

/** One item a sync run could not take, as the operator's console lists it. */
export function itemErrorToApi(r: Row): Row {
  return {
    id: Number(r.id),
    item_key: r.item_key,
    vendor_item_id: r.vendor_item_id ?? null,
    reason: r.reason,
    created_at: iso(r.created_at),
  };
}
