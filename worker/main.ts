import { createActivities } from '../activities/index.js';
import { logConnectionBudget } from '../db/poolLog.js';
import { startPlatform, stopTelemetry } from '../platform/composition.js';
import { workerObservability } from '../platform/telemetry/settings.js';
import { connectWorkerConnection, ensureSearchAttributes, waitForTemporal } from '../platform/temporal.js';
import { TASK_QUEUE_NAMES, type TaskQueueName } from '../temporal.config.js';
import { startHealthServer } from './health.js';
import { memoryLog } from './memoryLog.js';
import { ensureSystemSchedules } from './schedules.js';
import { startOrderEventsRelay } from './orderEventsRelay.js';
import { createWorkers, runWorkers } from './workers.js';

// WORKER_MEMORY_LOG_MS: where the RSS goes, phase by phase (worker/memoryLog.ts).
const memory = memoryLog();
memory.phase('modules loaded');
const platform = await startPlatform({ role: 'worker' });
const { config: cfg, log, settings } = platform;
memory.attach(log);
memory.phase('platform started');

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

  logConnectionBudget(log, cfg, 'worker', platform.sequelize);
  // Timeline events Redis missed reach the stream once it is back (the outbox relay).
  const relay = startOrderEventsRelay(platform.activityDeps());
  const connection = await connectWorkerConnection(settings);
  const extras = platform.workerExtras();
  const activities = createActivities(platform.activityDeps());
  memory.phase('temporal connected, activities made');
  const workers = await createWorkers({
    connection,
    namespace: settings.namespace,
    taskQueues: settings.taskQueues,
    activities,
    queues,
    identity: extras.identity,
    interceptors: extras.interceptors,
    sinks: extras.sinks,
  });
  const { healthPort } = workerObservability();
  const health = healthPort
    ? await startHealthServer({ port: healthPort, workers: () => workers, ...(cfg.security.metricsToken ? { metricsToken: cfg.security.metricsToken } : {}) })
    : undefined;
  memory.phase('workers created');
  log.info({ queues: queues.map((q) => settings.taskQueues[q]), healthPort: health?.port, tracing: platform.telemetry.tracing }, 'worker polling task queues');
  // Temporal's Runtime handles SIGINT/SIGTERM by shutting the workers down gracefully.
  await runWorkers(workers);
  memory.stop();
  await relay.stop();
  await Promise.allSettled([connection.close(), platform.close(), health?.close()]);
  await stopTelemetry();
  log.info('worker stopped');
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'worker failed');
  process.exit(1);
});
