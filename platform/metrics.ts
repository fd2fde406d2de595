/**
 * The process's Prometheus registry (prom-client) and the hub's business metrics. The API serves
 * it on GET /metrics, a worker on its health port (worker/health.ts); both behind METRICS_TOKEN.
 * Labels are small closed sets (states, kinds, error types): never ids, licences or names.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

export const orderTransitions = new client.Counter({
  name: 'trellis_order_transitions_total',
  help: 'Order status changes recorded in the read model, by from and to status',
  labelNames: ['from', 'to'] as const,
  registers: [registry],
});

export const metrcOutcomes = new client.Counter({
  name: 'trellis_metrc_submission_outcomes_total',
  help: 'METRC submission attempts by submission kind (transfer_template, sales_receipt, package_adjustment, ...), outcome (succeeded, not_sendable, failed) and error type',
  labelNames: ['kind', 'outcome', 'error_type'] as const,
  registers: [registry],
});

export const metrcTimeToSuccess = new client.Histogram({
  name: 'trellis_metrc_submission_time_to_success_seconds',
  help: 'From the first attempt of a METRC submission being scheduled to its success, retries included',
  labelNames: ['kind'] as const,
  buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400],
  registers: [registry],
});

export const syncItems = new client.Counter({
  name: 'trellis_pos_sync_items_total',
  help: 'POS items processed by sync runs, by phase',
  labelNames: ['phase'] as const,
  registers: [registry],
});

export const syncErrors = new client.Counter({
  name: 'trellis_pos_sync_errors_total',
  help: 'POS sync failures: item problems and failed runs, by error type',
  labelNames: ['error_type'] as const,
  registers: [registry],
});

export const notificationDeliveries = new client.Counter({
  name: 'trellis_notification_deliveries_total',
  help: 'Notification delivery attempts by channel and status (sent, already_sent, skipped, failed)',
  labelNames: ['channel', 'status', 'error_type'] as const,
  registers: [registry],
});

export const reportRows = new client.Counter({
  name: 'trellis_report_rows_total',
  help: 'Rows written to finished report files, by report type',
  labelNames: ['type'] as const,
  registers: [registry],
});

/**
 * Labels an activity learns only from its own reads (a METRC submission's kind is in its row, not
 * in the activity's input), left on its Context for the observer (worker/activityObservers.ts) to
 * use on success and failure alike. Weak, so a finished attempt's labels go with its Context.
 */
const activityLabels = new WeakMap<object, Record<string, string>>();
export function labelActivity(ctx: object | undefined, labels: Record<string, string>): void {
  if (ctx) activityLabels.set(ctx, { ...activityLabels.get(ctx), ...labels });
}
export const activityLabel = (ctx: object, name: string): string | undefined => activityLabels.get(ctx)?.[name];

export const activityFailures = new client.Counter({
  name: 'trellis_activity_failures_total',
  help: 'Activity attempts that failed, by activity type and error type',
  labelNames: ['activity', 'error_type'] as const,
  registers: [registry],
});

/** Constant-time check of `Authorization: Bearer <token>` (hashes first, so lengths never leak). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/.exec(header ?? '')?.[1];
  if (!presented) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}
