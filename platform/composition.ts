/**
 * The one composition root: config, logger, database pools, Redis, the Temporal client and
 * telemetry are made here, for the api (api/main.ts), the workers (worker/main.ts), the
 * integration tests (test/support/harness.ts) and the benches (bench/lib/app.ts) alike.
 *
 *   startPlatform({ role: 'api' })   installs tracing (when OTEL_* asks), Sentry (when SENTRY_DSN
 *                                    is set) and, for workers, Temporal's Runtime, then builds.
 *   createPlatform({ role: 'test' }) builds only, using whatever telemetry is installed.
 */
import { hostname } from 'node:os';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { ActivityDeps } from '../activities/deps.js';
import type { ApiDeps } from '../api/deps.js';
import { createSequelize } from '../db/connection.js';
import { createAtomicWriter } from '../db/tx.js';
import { temporalSettings, type TemporalSettings } from '../temporal.config.js';
import { activityObservers } from '../worker/activityObservers.js';
import { closeVersionHolders } from './cacheVersions.js';
import { ConfigError, config as processConfig, type Config } from './config.js';
import { logger as processLogger } from './logger.js';
import { createRedis } from './redis.js';
import { installTelemetry, telemetry, type Telemetry } from './telemetry/index.js';
import { workerObservability } from './telemetry/settings.js';
import { errorReporter, installSentry } from './telemetry/sentry.js';
import { PinoTemporalLogger } from './temporalLogger.js';
import { LazyTemporalClient } from './temporal.js';

export type Role = 'api' | 'worker' | 'test' | 'bench';

export interface PlatformOptions {
  role: Role;
  /** Defaults to the process's config (environment); tests and benches pass their own. */
  config?: Config;
  /** Sequelize pool size; default DB_POOL_API / DB_POOL_WORKER, 20 for tests and benches. */
  pool?: number;
  /** Transaction-writer pool size; default DB_POOL_WRITER (4 for tests and benches). */
  writerPool?: number;
}

export interface Platform extends ApiDeps {
  role: Role;
  log: Logger;
  telemetry: Telemetry;
  settings: TemporalSettings;
  /** What createActivities needs (worker and in-process test workers). */
  activityDeps(): ActivityDeps;
  /** Interceptors and sinks every Worker of this process gets: business metrics, tracing, Sentry. */
  workerExtras(): {
    interceptors: { activity: NonNullable<WorkerInterceptors['activity']>; workflowModules: string[] };
    sinks: InjectedSinks<Record<string, never>>;
    identity: string;
  };
  close(): Promise<void>;
}

export function createPlatform(opts: PlatformOptions): Platform {
  const config = opts.config ?? processConfig();
  const log = processLogger();
  const settings = temporalSettings(config);
  const tel = telemetry();
  const shared = opts.role === 'test' || opts.role === 'bench';
  const pool = opts.pool ?? (shared ? 20 : opts.role === 'api' ? config.pools.api : config.pools.worker);
  const redis = createRedis(config.redisUrl, `trellis-${opts.role}`);
  // Tests point Redis at closed ports on purpose and benches close it under load: quiet there.
  redis.on('error', shared ? () => undefined : (err) => log.warn({ err: err.message }, 'redis connection error'));
  const platform: Platform = {
    role: opts.role,
    config,
    log,
    telemetry: tel,
    settings,
    sequelize: createSequelize(config.databaseUrl, pool),
    writer: createAtomicWriter(config.databaseUrl, opts.writerPool ?? (shared ? undefined : config.pools.writer)),
    redis,
    temporal: new LazyTemporalClient(settings, tel.clientInterceptors),
    activityDeps: () => activityDepsOf(platform),
    workerExtras,
    close: () => closeDeps(platform),
  };
  return platform;
}

/** Closes pools, Redis and the Temporal client of a platform (or of hand-made ApiDeps). */
export async function closeDeps(deps: ApiDeps): Promise<void> {
  await Promise.allSettled([deps.sequelize.close(), deps.writer.close(), deps.redis.quit(), deps.temporal.close()]);
  deps.redis.disconnect();
  closeVersionHolders(deps.redis);
}

/** What createActivities needs, from the platform's (or any ApiDeps') parts. */
export function activityDepsOf(deps: ApiDeps): ActivityDeps {
  return { config: deps.config, sequelize: deps.sequelize, writer: deps.writer, redis: deps.redis, temporal: () => deps.temporal.get() };
}

/** Interceptors and sinks every Worker of this process gets: tracing, business metrics, Sentry. */
export function workerExtras(): ReturnType<Platform['workerExtras']> {
  const tel = telemetry();
  const errors = errorReporter();
  return {
    interceptors: {
      // Tracing first (outermost), so the activity span also covers the metrics bookkeeping.
      activity: [
        ...tel.worker.activityInterceptors,
        activityObservers((err, ctx) =>
          errors.capture(err, { activity: ctx.info.activityType, workflow_type: ctx.info.workflowType ?? '', task_queue: ctx.info.taskQueue ?? '' }),
        ),
      ],
      workflowModules: tel.worker.workflowInterceptorModules,
    },
    sinks: tel.worker.sinks,
    identity: `${hostname()}:${process.pid}`,
  };
}

let runtimeInstalled = false;
/**
 * Temporal's Runtime for this process (once): its log lines through pino, its metrics (task
 * latencies, slots, sticky cache) for Prometheus when TEMPORAL_METRICS_BIND names an address.
 */
export async function installWorkerRuntime(log: Logger = processLogger(), env = process.env): Promise<void> {
  if (runtimeInstalled) return;
  const { Runtime, makeTelemetryFilterString } = await import('@temporalio/worker');
  const { metricsBind } = workerObservability(env);
  Runtime.install({
    logger: new PinoTemporalLogger(log.child({ component: 'temporal' })),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(metricsBind ? { metrics: { prometheus: { bindAddress: metricsBind, countersTotalSuffix: true, useSecondsForDurations: true } } } : {}),
    },
  });
  runtimeInstalled = true;
}

/** Installs this process's telemetry, error reporting and (workers) Runtime, then builds. */
export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  process.env.TRELLIS_PROCESS ??= opts.role;
  try {
    await installTelemetry({ process: opts.role });
    await installSentry(opts.role);
    if (opts.role === 'worker') await installWorkerRuntime();
    return createPlatform(opts);
  } catch (err) {
    // A deployer's mistake gets one line naming the variable, not a stack trace; exit 78 is EX_CONFIG.
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`trellis ${opts.role}: refusing to start. ${err.message}\n`);
    process.exit(78);
  }
}

/** Flushes spans and error reports on the way out. */
export async function stopTelemetry(): Promise<void> {
  await Promise.allSettled([telemetry().shutdown(), errorReporter().flush()]);
}
