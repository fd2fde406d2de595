import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type InjectedSinks, type NativeConnection, type WorkerInterceptors, type WorkflowBundleOption } from '@temporalio/worker';
import type { Activities } from '../activities/index.js';
import { TASK_QUEUE_NAMES, type TaskQueueName } from '../temporal.config.js';
import { waitForDependencies } from './dependencyWait.js';

const root = fileURLToPath(new URL('..', import.meta.url));
export const workflowsPath = join(root, 'workflows', 'index.ts');
/**
 * Written by scripts/build-workflows.ts (git-ignored): dist/workflow-bundle.js without interceptor
 * modules, dist/workflow-bundle-<hash>.js with them (tracing's, platform/telemetry/temporal.ts).
 */
export function prebuiltBundlePath(interceptorModules: readonly string[] = []): string {
  if (!interceptorModules.length) return join(root, 'dist', 'workflow-bundle.js');
  const key = createHash('sha256').update(interceptorModules.map((m) => relative(root, m)).join('\n')).digest('hex').slice(0, 12);
  return join(root, 'dist', `workflow-bundle-${key}.js`);
}
/**
 * Everything the bundle is built from: workflows import only domain/ and contracts/ (and types, which vanish);
 * the lockfile stands for the @temporalio/workflow runtime bundled alongside.
 */
const BUNDLE_SOURCES = ['workflows', 'domain', 'contracts', 'package-lock.json'].map((d) => join(root, d));

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

/** The prebuilt bundle's path when it exists and is newer than every source file; else undefined. */
export function freshPrebuiltBundle(interceptorModules: readonly string[] = []): string | undefined {
  const path = prebuiltBundlePath(interceptorModules);
  try {
    const built = statSync(path).mtimeMs;
    return BUNDLE_SOURCES.every((d) => newestMtime(d) < built) && interceptorModules.every((m) => newestMtime(m) < built) ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds the prebuilt bundles unless they are fresh (scripts/build-workflows.ts), for harnesses that
 * start worker processes the way they are deployed (docker/Dockerfile builds it into the image).
 */
export function prebuildWorkflowBundle(): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'build-workflows.ts')], { cwd: root }, (err) => (err ? reject(err) : resolve())),
  );
}

const bundles = new Map<string, Promise<WorkflowBundleOption>>();
/**
 * The workflow code once per process, shared by every queue's worker: the prebuilt file when it is
 * fresh (webpack in-process keeps a large heap resident), else bundled here as a fallback. With
 * workflow interceptor modules (tracing on, platform/telemetry) it is the prebuilt file built with
 * them, or a bundle built here with them.
 */
export function workflowBundle(interceptorModules: readonly string[] = []): Promise<WorkflowBundleOption> {
  const key = interceptorModules.join('\n');
  let bundle = bundles.get(key);
  if (!bundle) {
    const codePath = freshPrebuiltBundle(interceptorModules);
    bundle = codePath
      ? Promise.resolve<WorkflowBundleOption>({ codePath })
      : bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [...interceptorModules], logger: quietBundlerLogger });
    bundles.set(key, bundle);
  }
  return bundle;
}

export const quietBundlerLogger = {
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
  /** Activity interceptors (metrics, tracing), workflow sinks and bundled workflow interceptors. */
  interceptors?: { activity?: WorkerInterceptors['activity']; workflowModules?: readonly string[] };
  sinks?: InjectedSinks<Record<string, never>>;
}

/** One Worker per task queue, all in this process. Scale by running more processes. */
export async function createWorkers(opts: WorkerSetOptions): Promise<Worker[]> {
  const workflowBundle_ = await workflowBundle(opts.interceptors?.workflowModules);
  return Promise.all(
    (opts.queues ?? TASK_QUEUE_NAMES).map((queue) =>
      Worker.create({
        connection: opts.connection,
        namespace: opts.namespace,
        taskQueue: opts.taskQueues[queue],
        workflowBundle: workflowBundle_,
        activities: opts.activities,
        // Innermost: the others (metrics, tracing) see one execution however long it waited.
        interceptors: { activity: [...(opts.interceptors?.activity ?? []), waitForDependencies] },
        ...(opts.sinks && Object.keys(opts.sinks).length ? { sinks: opts.sinks } : {}),
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
