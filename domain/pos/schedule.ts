/** Names shared by the API (which owns the Schedule) and the workflow it starts. */
export const POS_SYNC_WORKFLOW = 'posSync';
export const scheduleIdFor = (connectionId: string) => `pos-sync:${connectionId}`;

export const MIN_INTERVAL_SECONDS = 60;
export const DEFAULT_INTERVAL_SECONDS = 900;
