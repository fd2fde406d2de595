/**
 * The real API for benchmarks: the same createApp as production over real MySQL/MariaDB and
 * Redis, listening on a free port in this process. Credentials come from the tests' helper, so
 * benchmarks keep working when authentication is switched on.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { ApiDeps } from '../../api/deps.js';
import { createApp } from '../../api/app.js';
import { createAtomicWriter } from '../../db/tx.js';
import { createSequelize } from '../../db/connection.js';
import { loadConfig } from '../../platform/config.js';
import { createHttpServer } from '../../platform/httpServer.js';
import { createRedis } from '../../platform/redis.js';
import { LazyTemporalClient } from '../../platform/temporal.js';
import { temporalSettings } from '../../temporal.config.js';
import { adminHeaders } from '../../test/support/auth.js';

export interface BenchApi {
  url: string;
  deps: ApiDeps;
  headers: Record<string, string>;
  close(): Promise<void>;
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startBenchApi(databaseUrl: string, env: Record<string, string> = {}): Promise<BenchApi> {
  // Production-like: no response validation (a test-only safety net), quiet per-request logs.
  // Its own Redis database (BENCH_REDIS_URL, default db 9 of REDIS_URL): other processes' writes
  // bump the shared cache versions and would make the figures measure their activity.
  const redisUrl = new URL(loadConfig().redisUrl);
  redisUrl.pathname = '/9';
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    // One admin session drives the whole load: the per-user budget would measure the limiter.
    SESSION_RATE_LIMIT_PER_MINUTE: '1000000',
    ...process.env,
    OPENAPI_VALIDATE_RESPONSES: 'false',
    REDIS_URL: process.env.BENCH_REDIS_URL ?? redisUrl.toString(),
    ...env,
    DATABASE_URL: databaseUrl,
  });
  const redis = createRedis(config.redisUrl, 'trellis-bench');
  const deps: ApiDeps = {
    config,
    sequelize: createSequelize(databaseUrl, 20),
    writer: createAtomicWriter(databaseUrl),
    redis,
    temporal: new LazyTemporalClient(temporalSettings(config)),
  };
  const server = createHttpServer(createApp(deps));
  const url = await listen(server);
  redis.on('error', () => undefined); // a closed Redis during shutdown is not a benchmark failure
  const headers = await adminHeaders(deps);
  return {
    url,
    deps,
    headers,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([deps.sequelize.close(), deps.writer.close(), redis.quit(), deps.temporal.close()]);
    },
  };
}
