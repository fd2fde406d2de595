/**
 * Shapes of answers the contract does not describe yet (identity, compliance, POS sync are being
 * added in parallel). Everything optional beyond the id: pages render what is there.
 */
import type { components } from '../../../../openapi/types.js';

export type Schemas = components['schemas'];
export type Order = Schemas['Order'] & {
  available_transitions?: string[];
  timeline?: TimelineEntry[];
  metrc_state?: string;
  metrc_manifest_number?: string | null;
  metrc_detail?: string | null;
  metrc?: { state?: string; manifest_number?: string | null; detail?: string | null } | null;
  workflow_id?: string;
};
export type OrderStatus = Schemas['OrderStatus'];
export type WorkflowSummary = Schemas['WorkflowSummary'];
export type WorkflowDetail = Schemas['WorkflowDetail'];
export type DashboardSummary = Schemas['DashboardSummary'];
export type Inventory = Schemas['Inventory'];
export type Location = Schemas['Location'];

export interface TimelineEntry {
  id?: string;
  seq?: number;
  type?: string;
  from_status?: string | null;
  to_status?: string | null;
  actor?: { kind?: string; id?: string; role?: string; label?: string | null } | string | null;
  actor_label?: string | null;
  reason?: string | null;
  occurred_at?: string;
  at?: string;
  detail?: unknown;
}

export interface MetrcSubmission {
  id: string;
  kind?: string;
  natural_key?: string;
  status: string;
  license_number?: string | null;
  license_name?: string | null;
  order_id?: string | null;
  attempts?: number;
  attempt_count?: number;
  last_error?: string | null;
  error?: string | null;
  failure_reason?: string | null;
  last_error_code?: string | null;
  discard_reason?: string | null;
  /** An attempt's answer was lost, so the duplicate sweep looks again later. */
  had_ambiguous_attempt?: boolean;
  /** Extra METRC records the sweep found and repaired, with what it did. */
  duplicates_repaired?: number;
  sweep_note?: string | null;
  payload?: unknown;
  created_at?: string;
  updated_at?: string;
  workflow_id?: string;
}
export interface MetrcAttempt {
  id?: string;
  attempt?: number;
  number?: number;
  status?: string;
  outcome?: string;
  http_status?: number | null;
  error?: string | null;
  error_message?: string | null;
  error_code?: string | null;
  messages?: MetrcRowMessage[];
  row_messages?: MetrcRowMessage[];
  created_at?: string;
  started_at?: string;
}
export interface MetrcRowMessage {
  row?: number | null;
  index?: number;
  message: string;
  field?: string | null;
}
export interface MetrcSubmissionDetail extends MetrcSubmission {
  attempts_list?: MetrcAttempt[];
  history?: MetrcAttempt[];
  row_messages?: MetrcRowMessage[];
  messages?: MetrcRowMessage[];
}
export interface DeadLetter {
  id: string;
  queue?: string;
  task_queue?: string;
  kind?: string;
  source?: string;
  reference?: string | null;
  subject_id?: string | null;
  error?: unknown;
  reason?: string | null;
  status?: string;
  workflow_id?: string | null;
  created_at?: string;
}
export interface BulkRetryResult {
  dry_run?: boolean;
  count?: number;
  matched?: number;
  retried?: number;
  ids?: string[];
}

/**
 * The POS connection as the API answers it. The optional extras are names DashboardPage still
 * reads as fallbacks (the API never sends them); drop them when that page reads the spec's fields.
 */
export type PosConnection = Schemas['PosConnection'] & { status?: string; state?: string; last_sync_at?: string | null; interval_minutes?: number };

