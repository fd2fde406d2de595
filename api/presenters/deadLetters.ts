import type { DeadLetterRow } from '../../db/repositories/deadLetters.js';

const iso = (v: unknown) => (v == null ? null : v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

/** A dead letter as the compliance console shows it. */
export function deadLetterToApi(d: DeadLetterRow) {
  return {
    id: d.id,
    queue: d.queue,
    workflow_id: d.workflow_id,
    kind: d.kind,
    subject_id: d.subject_id,
    payload: d.payload ?? null,
    error: d.error ?? null,
    attempts: d.attempts,
    status: d.status,
    resolution_note: d.resolution_note,
    resolved_by: d.resolved_by,
    resolved_at: iso(d.resolved_at),
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
  };
}
