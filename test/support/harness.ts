/**
 * Shared wiring for integration tests: real services, configured by the global setup through
 * environment variables. The API runs over real HTTP on port 0; workers run in-process against
 * the run's Temporal server.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { createActivities, type Activities } from '../../activities/index.js';
import { createApp } from '../../api/app.js';
import { startRealtime } from '../../api/realtime/index.js';
import type { ApiDeps } from '../../api/deps.js';
import { activityDepsOf, closeDeps as closePlatform, createPlatform, workerExtras, type Platform } from '../../platform/composition.js';
import { loadConfig, type Config } from '../../platform/config.js';
import { telemetry } from '../../platform/telemetry/index.js';
import { connectClient, connectWorkerConnection } from '../../platform/temporal.js';
import { createHttpServer } from '../../platform/httpServer.js';
import { temporalSettings, type TaskQueueName } from '../../temporal.config.js';
import { createWorkers, runWorkers } from '../../worker/workers.js';

// Quiet SDK logs in tests; Runtime may be installed once per process only.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  /* already installed by another test file in this worker */
}

// Benchmarks build their deps here too and drive one admin session far past a person's budget;
// tests run with NODE_ENV=test (same defaults) and set small limits where limits are the point.
const UNLIMITED = { SESSION_RATE_LIMIT_PER_MINUTE: '1000000', ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000' };

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...UNLIMITED, ...process.env, ...overrides });
}

/** The app's own composition root (platform/composition.ts) over the test configuration. */
export function createDeps(overrides: Record<string, string> = {}): Platform {
  return createPlatform({ role: 'test', config: testConfig(overrides) });
}

export async function closeDeps(deps: ApiDeps): Promise<void> {
  await closePlatform(deps);
}

export interface RunningApi {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startApi(deps: ApiDeps): Promise<RunningApi> {
  const server = createHttpServer(createApp(deps));
  const realtime = startRealtime(server, deps);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: async () => {
      await realtime.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

export interface RunningWorkers {
  workers: Worker[];
  stop(): Promise<void>;
}

export async function startWorkers(
  deps: ApiDeps,
  opts: { queues?: TaskQueueName[]; activities?: Partial<Activities> } = {},
): Promise<RunningWorkers> {
  const settings = temporalSettings(deps.config);
  const connection = await connectWorkerConnection(settings);
  const activities = { ...createActivities(activityDepsOf(deps)), ...opts.activities };
  const extras = workerExtras();
  const workers = await createWorkers({
    connection,
    namespace: settings.namespace,
    taskQueues: settings.taskQueues,
    activities,
    interceptors: extras.interceptors,
    sinks: extras.sinks,
    ...(opts.queues ? { queues: opts.queues } : {}),
  });
  const running = runWorkers(workers);
  return {
    workers,
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      await connection.close();
    },
  };
}

/**
 * A test's Temporal client. Its 5 s connect deadline runs while a suite's beforeAll also starts
 * the API and workers in the same process, which on a loaded machine can hold the event loop past
 * it (seen: 9 s at load average 20+); a refused deadline is tried again, a wrong address still fails.
 */
export async function temporalClient(config = testConfig()): Promise<Client> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectClient(temporalSettings(config), telemetry().clientInterceptors);
    } catch (err) {
      if (attempt >= 3 || !/deadline/i.test(`${String(err)} ${String((err as { cause?: unknown }).cause)}`)) throw err;
    }
  }
}

/** Response bodies in tests are checked field by field; `any` keeps those assertions readable. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = (res: Response): Promise<any> => res.json();

/**
 * Task queues of this test file's own: every file's workers poll the same queue names on the one
 * Temporal server, so a worker another file has not stopped yet (or its leftover workflows) could
 * take this file's tasks. Spread into createDeps/ordersEnv overrides.
 */
export const ownQueues = (): Record<string, string> => ({ TEMPORAL_TASK_QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}-` });
