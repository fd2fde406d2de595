/**
 * How many MySQL connections the hub may hold, and the budget a deployment must fit.
 *
 * Every api and worker process holds two pools: Sequelize (`DB_POOL_API` in the api,
 * `DB_POOL_WORKER` in workers and sync-workers) and the small multi-statement pool of
 * db/tx.ts (`DB_POOL_WRITER`). A pool only grows under load, but under load every
 * replica grows at once, so the budget counts each at its maximum: when the sum passes the
 * server's `max_connections`, requests and activities fail with "Too many connections" exactly
 * when the hub is busiest.
 */
export interface PoolConfig {
  api: number;
  worker: number;
  writer: number;
}

export const POOL_DEFAULTS: PoolConfig = { api: 10, worker: 10, writer: 4 };

/** One-off jobs (migrate, create-admin, rotate-secrets) open a pool of this size. */
export const ONE_OFF_CONNECTIONS = 2;
/** Kept free for people and tools: a mysql shell, backups, monitoring. */
export const ADMIN_RESERVE = 10;
/** MySQL 8's default `max_connections`. */
export const MYSQL_DEFAULT_MAX_CONNECTIONS = 151;

export type ProcessKind = 'api' | 'worker';

/** The most connections one process of this kind opens. */
export const processMaxConnections = (pools: PoolConfig, kind: ProcessKind): number => pools[kind] + pools.writer;

export interface Deployment {
  /** api replicas */
  api: number;
  /** worker processes of every kind (worker, sync-worker, worker-compliance, …) */
  workers: number;
}

export interface Budget {
  perApi: number;
  perWorker: number;
  total: number;
  fits: (maxConnections: number) => boolean;
}

/** api × (api pool + writer) + workers × (worker pool + writer) + one one-off job + the admin reserve. */
export function connectionBudget(pools: PoolConfig, d: Deployment): Budget {
  const perApi = processMaxConnections(pools, 'api');
  const perWorker = processMaxConnections(pools, 'worker');
  const total = d.api * perApi + d.workers * perWorker + ONE_OFF_CONNECTIONS + ADMIN_RESERVE;
  return { perApi, perWorker, total, fits: (max) => total <= max };
}
