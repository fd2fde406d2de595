import { hostname } from 'node:os';
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createAtomicWriter } from '../db/tx.js';
import { createSequelize } from '../db/connection.js';
import { logConnectionBudget } from '../db/poolLog.js';
import { config } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { createRedis } from '../platform/redis.js';
import { connectWorkerConnection, ensureSearchAttributes, LazyTemporalClient, waitForTemporal } from '../platform/temporal.js';
import { TASK_QUEUE_NAMES, temporalSettings, type TaskQueueName } from '../temporal.config.js';
import { ensureSystemSchedules } from './schedules.js';
import { createWorkers, runWorkers } from './workers.js';

process.env.TRELLIS_PROCESS ??= 'worker';
const cfg = config();
const settings = temporalSettings(cfg);
const log = logger();

Runtime.install({
  logger: new DefaultLogger(cfg.logLevel === 'debug' || cfg.logLevel === 'trace' ? 'DEBUG' : 'WARN'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
});

/** WORKER_QUEUES=orders,sync limits this process to some queues (a deployment unit). */
function selectedQueues(): readonly TaskQueueName[] {
  const raw = process.env.WORKER_QUEUES;
  if (!raw) return TASK_QUEUE_NAMES;
  const wanted = raw.split(',').map((q) => q.trim());
  const bad = wanted.filter((q) => !(TASK_QUEUE_NAMES as readonly string[]).includes(q));
  if (bad.length) throw new Error(`Invalid configuration: WORKER_QUEUES has unknown queue(s) ${bad.join(', ')}`);
  return wanted as TaskQueueName[];
}

async function main() {
  const queues = selectedQueues();
  const client = await waitForTemporal(settings);
  const added = await ensureSearchAttributes(client, settings.namespace).catch((err: unknown) => {
    log.warn({ err: String(err) }, 'could not register search attributes (Temporal Cloud registers them with tcld)');
    return [];
  });
  if (added.length) log.info({ added }, 'registered search attributes');
  // The hub's own Schedules (the sync-runs reaper) run on the sync queue; whoever polls it keeps them current.
  if (queues.includes('sync')) {
    await ensureSystemSchedules(client, settings).then(
      (ids) => log.info({ schedules: ids }, 'system schedules in place'),
      (err: unknown) => log.warn({ err: String(err) }, 'could not create or update the system schedules'),
    );
  }
  await client.connection.close();

  const sequelize = createSequelize(cfg.databaseUrl, cfg.pools.worker);
  const writer = createAtomicWriter(cfg.databaseUrl, cfg.pools.writer);
  logConnectionBudget(log, cfg, 'worker', sequelize);
  const redis = createRedis(cfg.redisUrl, 'trellis-worker');
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  const temporal = new LazyTemporalClient(settings);
  const connection = await connectWorkerConnection(settings);
  const workers = await createWorkers({
    connection,
    namespace: settings.namespace,
    taskQueues: settings.taskQueues,
    activities: createActivities({ config: cfg, sequelize, writer, redis, temporal: () => temporal.get() }),
    queues,
    identity: `${hostname()}:${process.pid}`,
  });
  log.info({ queues: queues.map((q) => settings.taskQueues[q]) }, 'worker polling task queues');
  // Temporal's Runtime handles SIGINT/SIGTERM by shutting the workers down gracefully.
  await runWorkers(workers);
  await Promise.allSettled([connection.close(), sequelize.close(), writer.close(), redis.quit(), temporal.close()]);
  log.info('worker stopped');
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'worker failed');
  process.exit(1);
});
