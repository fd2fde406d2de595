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

export interface User {
  id: string;
  email: string;
  name?: string | null;
  role: string;
  entity_id?: string | null;
  mfa_enabled?: boolean;
  disabled?: boolean;
  last_login_at?: string | null;
}

export interface Me {
  user: User;
  mfa?: { enabled: boolean; verified: boolean };
  role: string;
  entity?: { id: string; name: string; type?: string } | null;
  permissions: string[];
  mfa_required?: boolean;
}

export interface LoginResult {
  user?: User;
  mfa_required: boolean;
  token?: string;
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

export interface PosConnection {
  id: string;
  name?: string;
  vendor?: string;
  provider?: string;
  entity_id?: string;
  location_id?: string;
  status?: string;
  state?: string;
  paused?: boolean;
  health?: string;
  last_run_at?: string | null;
  last_sync_at?: string | null;
  last_success_at?: string | null;
  interval_seconds?: number;
  next_run_at?: string | null;
  last_error?: string | null;
  interval_minutes?: number;
}
export interface SyncRun {
  id: string;
  connection_id?: string;
  pos_connection_id?: string;
  status: string;
  trigger?: string;
  started_at?: string | null;
  finished_at?: string | null;
  completed_at?: string | null;
  duration_ms?: number | null;
  progress?: { phase?: string; pages?: number; items?: number; done?: number; total?: number | null; percent?: number | null } | number | null;
  items_seen?: number;
  items_upserted?: number;
  items_failed?: number;
  counts?: Record<string, number>;
  error?: unknown;
  workflow_id?: string;
  mode?: string;
  /** Still recorded as running, but its workflow has ended (the reaper will mark it failed). */
  stale?: boolean;
}
export interface SyncItemError {
  id?: string | number;
  item_key?: string;
  vendor_item_id?: string | null;
  reason?: string;
  external_id?: string | null;
  sku?: string | null;
  code?: string | null;
  message?: string;
  created_at?: string;
}

export interface AuditEntry {
  id: string;
  action: string;
  actor_id?: string | null;
  actor_label?: string | null;
  actor_kind?: string;
  actor_role?: string;
  actor?: { id?: string; label?: string | null; role?: string } | null;
  target_type?: string | null;
  target_id?: string | null;
  entity_id?: string | null;
  details?: unknown;
  summary?: unknown;
  actor_type?: string;
  ip?: string | null;
  created_at: string;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix?: string;
  scopes?: string[];
  entity_id?: string;
  created_at?: string;
  last_used_at?: string | null;
  revoked_at?: string | null;
  expires_at?: string | null;
}
export interface CreatedApiKey extends ApiKey {
  key?: string;
  secret?: string;
  token?: string;
}
