/**
 * The real API for benchmarks: the same createApp as production over real MySQL/MariaDB and
 * Redis, listening on a free port in this process. Credentials come from the tests' helper, so
 * benchmarks keep working when authentication is switched on.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { ApiDeps } from '../../api/deps.js';
import { createApp } from '../../api/app.js';
import { createPlatform } from '../../platform/composition.js';
import { loadConfig } from '../../platform/config.js';
import { createHttpServer } from '../../platform/httpServer.js';
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
  // The app's composition root; a closed Redis during shutdown is not a benchmark failure (quiet).
  const deps = createPlatform({ role: 'bench', config });
  const server = createHttpServer(createApp(deps));
  const url = await listen(server);
  const headers = await adminHeaders(deps);
  return {
    url,
    deps,
    headers,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.close();
    },
  };
}
