/** Names shared by the API (which owns the Schedule) and the workflow it starts. */
export const POS_SYNC_WORKFLOW = 'posSync';
export const scheduleIdFor = (connectionId: string) => `pos-sync:${connectionId}`;

export const MIN_INTERVAL_SECONDS = 60;
export const DEFAULT_INTERVAL_SECONDS = 900;
/**
 * A posSync execution chain (continue-as-new included) that has not finished by then is timed out
 * by Temporal: a run whose workers are gone for good ends, the sync-runs reaper marks it failed,
 * and the Schedule (overlap: skip) starts runs again. Far above any real sync's length.
 */
export const POS_SYNC_EXECUTION_TIMEOUT = '12 hours';
