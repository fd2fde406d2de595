import type { AttemptRow, SubmissionRow } from '../../db/repositories/metrcSubmissions.js';

const iso = (v: unknown) => (v == null ? null : v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

/** A METRC submission as compliance staff see it; lists leave the payload out. */
export function submissionToApi(s: SubmissionRow, withPayload: boolean) {
  return {
    id: s.id,
    kind: s.kind,
    license_number: s.license_number,
    natural_key: s.natural_key,
    order_id: s.order_id,
    pos_sale_id: s.pos_sale_id,
    status: s.status,
    ...(withPayload ? { payload: s.payload } : {}),
    attempt_count: s.attempt_count,
    round: s.round,
    metrc_ids: s.metrc_ids ?? [],
    reconciled: s.reconciled,
    possibly_landed: s.possibly_landed,
    // What the duplicate sweep found: an attempt's answer was lost, and whether (and how) an
    // extra record in METRC was repaired afterwards. Compliance staff read it here.
    had_ambiguous_attempt: s.had_ambiguous,
    duplicates_repaired: s.duplicates_repaired,
    sweep_note: s.sweep_note,
    last_error_code: s.last_error_code,
    failure_reason: s.failure_reason,
    discard_reason: s.discard_reason,
    workflow_id: s.workflow_id,
    created_by: s.created_by,
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
    succeeded_at: iso(s.succeeded_at),
    failed_at: iso(s.failed_at),
    discarded_at: iso(s.discarded_at),
  };
}

/** A submission as a list shows it (no payload). */
export const submissionSummaryToApi = (s: SubmissionRow) => submissionToApi(s, false);

/** One submission with its attempts, as GET /metrc-submissions/{id} shows it. */
export function submissionDetailToApi(d: { submission: SubmissionRow; attempts: AttemptRow[] }) {
  return {
    ...submissionToApi(d.submission, true),
    attempts: d.attempts.map((a) => ({
      ...a,
      started_at: iso(a.started_at),
      finished_at: iso(a.finished_at),
      metrc_ids: a.metrc_ids ?? [],
    })),
  };
}
