/**
 * Everything Temporal in one typed place: where the server is, which task queues exist, the
 * default activity retry policy (the seed's "3 attempts, exponential backoff") and the custom
 * search attributes the workflows keep current. Values that differ per deployment come from
 * the environment through platform/config.ts.
 */
import { config, type Config } from './platform/config.js';

export const TASK_QUEUE_NAMES = ['orders', 'sync', 'compliance', 'reports', 'notifications'] as const;
export type TaskQueueName = (typeof TASK_QUEUE_NAMES)[number];

/**
 * How worker processes divide the queues. POS syncs stream catalogues of up to millions of items,
 * so they get processes of their own: a big sync neither delays order workflows nor shares their
 * memory budget. Their V8 old space is bounded because V8 otherwise grows the heap with the
 * allocation rate, not with what is live (a 100k-item sync peaked at ~350 MB RSS unbounded, ~265 MB
 * at 192 MB with the same items/s; bench:pos-sync). The live set of a sync is a few batches, so
 * the bound is far from what it needs; a sync that held its catalogue in memory would fail here.
 * 2 MB semi-spaces, as for reports below: a 1M-item sync went 262 -> 301 -> 299 MB (peak 320)
 * with V8's default young generation and 229 -> 259 -> 264 MB (peak 276) with them, at 0.96 of the
 * items/s (bench:pos-sync, 2026-12-05 17:03 and 17:08, load ~1.3).
 *
 * Reports are batch work of the same kind (pages of up to a million rows through one activity) and
 * get their own processes for the same reasons. Each task queue a process polls costs it ~55 MB
 * of RSS before any work (a Temporal Worker: its workflow thread with the bundle and source map
 * loaded; bench:reports, 424 MB at start with the core queues plus reports vs 255 MB reports alone).
 * Between V8's collections a report's pages pile up: with the default 16 MB semi-spaces and an
 * unbounded old space the worker went 255 -> ~370 MB over a few reports. 2 MB semi-spaces (the flag
 * is process-wide, so the workflow thread's young generation too) and a 128 MB old space kept it at
 * 210 -> 272 peak -> 260 MB over four reports in a row (live main heap ~60 MB). A report that held
 * its rows in memory would fail here. The bound also sizes @temporalio/worker's sticky cache (10
 * workflows instead of ~2,300 at a 4 GB heap limit): finished reports' workflows sleep until their
 * file expires, and are replayed from their short histories when the timer fires.
 */
export const WORKER_PROCESSES = {
  core: { queues: ['orders', 'compliance', 'notifications'] as TaskQueueName[], nodeOptions: '' },
  sync: { queues: ['sync'] as TaskQueueName[], nodeOptions: '--max-semi-space-size=2 --max-old-space-size=192' },
  reports: { queues: ['reports'] as TaskQueueName[], nodeOptions: '--max-semi-space-size=2 --max-old-space-size=128' },
} as const;

/** NODE_OPTIONS for a worker process of `kind`, keeping whatever the caller already set. */
export function workerNodeOptions(kind: keyof typeof WORKER_PROCESSES, inherited = process.env.NODE_OPTIONS ?? ''): string {
  return [inherited, WORKER_PROCESSES[kind].nodeOptions].filter(Boolean).join(' ');
}

/** Custom search attributes, name → Temporal indexed value type. */
export const SEARCH_ATTRIBUTES = {
  OrderId: 'KEYWORD',
  RetailerId: 'KEYWORD',
  WholesalerId: 'KEYWORD',
  OrderStatus: 'KEYWORD',
  OrderNumber: 'KEYWORD',
  MetrcSubmissionId: 'KEYWORD',
  MetrcSubmissionKind: 'KEYWORD',
  MetrcLicense: 'KEYWORD',
  PosConnectionId: 'KEYWORD',
} as const satisfies Record<string, 'KEYWORD' | 'TEXT' | 'INT' | 'DOUBLE' | 'BOOL' | 'DATETIME' | 'KEYWORD_LIST'>;
export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;

export interface ActivityRetryPolicy {
  initialInterval: number;
  backoffCoefficient: number;
  maximumAttempts: number;
  maximumInterval: number;
  nonRetryableErrorTypes: string[];
}

export interface TemporalSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?: Config['temporal']['tls'];
  taskQueues: Record<TaskQueueName, string>;
  defaultActivityRetry: ActivityRetryPolicy;
  searchAttributes: typeof SEARCH_ATTRIBUTES;
}

/**
 * Error types that no retry can fix. Activities throw ApplicationFailure with one of these
 * `type`s (or nonRetryable: true) and the retry policy stops at once.
 */
export const NON_RETRYABLE_ERROR_TYPES = [
  'ValidationError',
  'MetrcValidationError',
  'MetrcAuthError',
  'MetrcRequestError',
  'PosAuthError',
  'InsufficientStock',
  'NotFound',
];

export function temporalSettings(cfg: Config = config()): TemporalSettings {
  const prefix = cfg.temporal.taskQueuePrefix;
  const taskQueues = Object.fromEntries(TASK_QUEUE_NAMES.map((q) => [q, `${prefix}${q}`])) as Record<
    TaskQueueName,
    string
  >;
  return {
    address: cfg.temporal.address,
    namespace: cfg.temporal.namespace,
    ...(cfg.temporal.apiKey ? { apiKey: cfg.temporal.apiKey } : {}),
    ...(cfg.temporal.tls ? { tls: cfg.temporal.tls } : {}),
    taskQueues,
    defaultActivityRetry: {
      initialInterval: cfg.temporal.retryInitialIntervalMs,
      backoffCoefficient: cfg.temporal.retryBackoffCoefficient,
      maximumAttempts: cfg.temporal.retryMaximumAttempts,
      maximumInterval: Math.max(cfg.temporal.retryInitialIntervalMs, 60_000),
      nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
    },
    searchAttributes: SEARCH_ATTRIBUTES,
  };
}

export default temporalSettings;
