import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../platform/config.js';
import { connectionBudget, MYSQL_DEFAULT_MAX_CONNECTIONS, processMaxConnections } from '../../../platform/poolBudget.js';

/**
 * README "Connection budget": 2 api replicas behind a load balancer, `--scale worker=6` and one
 * sync-worker, every process at its default pool sizes, must fit MySQL's default max_connections,
 * and so must one reports-worker on top, with the pool of 4 docker/compose.yaml gives it.
 */
const EXAMPLE = { api: 2, workers: 6 + 1 };

describe('database connection budget', () => {
  it('the documented scaling example fits MySQL default 151, at the sizes the config loader gives', () => {
    const pools = loadConfig({}).pools;
    expect(pools).toEqual({ api: 10, worker: 10, writer: 4 });
    const b = connectionBudget(pools, EXAMPLE);
    expect(b).toMatchObject({ perApi: 14, perWorker: 14, total: 2 * 14 + 7 * 14 + 2 + 10 });
    expect(b.total).toBe(138);
    expect(b.fits(MYSQL_DEFAULT_MAX_CONNECTIONS)).toBe(true);
    const reportsWorker = processMaxConnections(loadConfig({ DB_POOL_WORKER: '4' }).pools, 'worker');
    expect(reportsWorker).toBe(8);
    expect(b.total + reportsWorker).toBe(146);
    expect(b.total + reportsWorker).toBeLessThanOrEqual(MYSQL_DEFAULT_MAX_CONNECTIONS);
    // At the default worker pool it would not fit: hence the compose file's DB_POOL_WORKER for it.
    expect(b.total + b.perWorker).toBeGreaterThan(MYSQL_DEFAULT_MAX_CONNECTIONS);
  });

  it('pool sizes come from the environment, and the old worker pool of 20 would not fit', () => {
    const pools = loadConfig({ DB_POOL_API: '12', DB_POOL_WORKER: '20', DB_POOL_WRITER: '4' }).pools;
    expect(processMaxConnections(pools, 'api')).toBe(16);
    expect(processMaxConnections(pools, 'worker')).toBe(24);
    expect(connectionBudget(pools, EXAMPLE).fits(MYSQL_DEFAULT_MAX_CONNECTIONS)).toBe(false);
    expect(() => loadConfig({ DB_POOL_WORKER: '0' })).toThrow(/DB_POOL_WORKER/);
  });
});
