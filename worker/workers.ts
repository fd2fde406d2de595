import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import type { Activities } from '../activities/index.js';
import { TASK_QUEUE_NAMES, type TaskQueueName } from '../temporal.config.js';

const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundles the workflow code once per process; every queue's worker shares it. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

export interface WorkerSetOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueues: Record<TaskQueueName, string>;
  activities: Activities;
  queues?: readonly TaskQueueName[];
  identity?: string;
}

/** One Worker per task queue, all in this process. Scale by running more processes. */
export async function createWorkers(opts: WorkerSetOptions): Promise<Worker[]> {
  const workflowBundle_ = await workflowBundle();
  return Promise.all(
    (opts.queues ?? TASK_QUEUE_NAMES).map((queue) =>
      Worker.create({
        connection: opts.connection,
        namespace: opts.namespace,
        taskQueue: opts.taskQueues[queue],
        workflowBundle: workflowBundle_,
        activities: opts.activities,
        ...(opts.identity ? { identity: `${opts.identity}/${queue}` } : {}),
        shutdownGraceTime: '5s',
      }),
    ),
  );
}

/** Runs all workers until one fails or shutdown() is called on them; then stops the rest. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  }
}
