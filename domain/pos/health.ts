/** How an operator should read a POS connection at a glance. */
export type ConnectionHealth = 'paused' | 'auth_failed' | 'failing' | 'degraded' | 'pending' | 'ok';

export interface HealthInput {
  paused: boolean;
  auth_failed_at: Date | string | null;
  last_run_status: string | null;
}

export function connectionHealth(c: HealthInput): ConnectionHealth {
  if (c.auth_failed_at) return 'auth_failed';
  if (c.paused) return 'paused';
  switch (c.last_run_status) {
    case null:
      return 'pending';
    case 'failed':
      return 'failing';
    case 'partial':
      return 'degraded';
    default:
      return 'ok';
  }
}

export type SyncRunStatus = 'running' | 'succeeded' | 'partial' | 'failed';

/** A finished run is partial when some vendor records could not be taken in. */
export const finalStatus = (itemErrors: number): SyncRunStatus => (itemErrors > 0 ? 'partial' : 'succeeded');
