/**
 * One activity interceptor that turns activity outcomes into the business metrics of
 * platform/metrics.ts and reports failures that will not be retried any more (to Sentry, when it is
 * configured). Watching the activities' inputs and results from outside keeps the activities
 * free of metrics code; the names below are the activities' own.
 */
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import {
  activityFailures,
  activityLabel,
  metrcOutcomes,
  metrcTimeToSuccess,
  notificationDeliveries,
  orderTransitions,
  syncErrors,
  syncItems,
} from '../platform/metrics.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

const CHANNEL: Record<string, string> = { deliverEmail: 'email', deliverSms: 'sms', deliverInApp: 'in_app', deliverDigest: 'digest' };

/** The error's type as operators group it: an ApplicationFailure's type, else the class name. */
export function errorType(err: unknown): string {
  if (err instanceof ApplicationFailure && err.type) return err.type;
  return err instanceof Error ? err.name : 'Unknown';
}

/** The submission's own kind (transfer_template, sales_receipt, ...), which the activity reads from its row; not the workflow's type, which says little (a receipt and an adjustment share one). */
const submissionKind = (ctx: Context): string => activityLabel(ctx, 'kind') ?? 'unknown';

function observeSuccess(ctx: Context, args: unknown[], result: unknown): void {
  const { activityType } = ctx.info;
  const input = obj(args[0]);
  const out = obj(result);
  switch (activityType) {
    case 'recordOrderEvent':
      if (input.type === 'status_changed' && out.recorded === true)
        orderTransitions.inc({ from: String(input.from ?? 'none'), to: String(input.to ?? 'unknown') });
      return;
    case 'submitMetrcSubmission': {
      const outcome = String(out.status ?? 'unknown');
      const kind = submissionKind(ctx);
      metrcOutcomes.inc({ kind, outcome, error_type: 'none' });
      if (outcome === 'succeeded') metrcTimeToSuccess.observe({ kind }, (Date.now() - ctx.info.scheduledTimestampMs) / 1000);
      return;
    }
    case 'posSyncSnapshot':
      syncItems.inc({ phase: 'snapshot' }, num(out.processed));
      return;
    case 'posSyncChanges':
      // The change feed reports pages, not items.
      syncItems.inc({ phase: 'change_pages' }, num(out.pages));
      return;
    case 'posZeroMissing':
      syncItems.inc({ phase: 'zeroed' }, num(out.zeroed));
      return;
    case 'recordRunProblems':
      syncErrors.inc({ error_type: 'item_problem' }, num(result));
      return;
    case 'posFailRun':
      syncErrors.inc({ error_type: String(input.errorType ?? 'unknown') });
      return;
    case 'deliverBatch': {
      // One outcome per delivery, in the order of the input's deliveries.
      const deliveries = Array.isArray(input.deliveries) ? (input.deliveries as unknown[]) : [];
      const outcomes = Array.isArray(result) ? (result as unknown[]) : [];
      outcomes.forEach((o, i) => {
        const { status, type } = obj(o);
        notificationDeliveries.inc({ channel: String(obj(deliveries[i]).channel ?? 'unknown'), status: String(status ?? 'unknown'), error_type: status === 'failed' ? String(type ?? 'Error') : 'none' });
      });
      return;
    }
  }
  const channel = CHANNEL[activityType];
  if (channel) notificationDeliveries.inc({ channel, status: String(out.status ?? 'unknown'), error_type: 'none' });
}

function observeFailure(ctx: Context, err: unknown): void {
  const { activityType } = ctx.info;
  const type = errorType(err);
  activityFailures.inc({ activity: activityType, error_type: type });
  if (activityType === 'submitMetrcSubmission') metrcOutcomes.inc({ kind: submissionKind(ctx), outcome: 'failed', error_type: type });
  const channel = CHANNEL[activityType];
  if (channel) notificationDeliveries.inc({ channel, status: 'failed', error_type: type });
}

/** True when Temporal will not run this activity again after this failure. */
export function isFinalAttempt(ctx: Context, err: unknown): boolean {
  if (err instanceof ApplicationFailure && err.nonRetryable) return true;
  const policy = ctx.info.retryPolicy;
  if (policy?.nonRetryableErrorTypes?.includes(errorType(err))) return true;
  const max = policy?.maximumAttempts ?? 0;
  return max > 0 && ctx.info.attempt >= max;
}

export type FinalFailureReporter = (err: unknown, ctx: Context) => void;

export function activityObservers(reportFinal?: FinalFailureReporter): ActivityInterceptorsFactory {
  return (ctx) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        try {
          const result = await next(input);
          observeSuccess(ctx, input.args, result);
          return result;
        } catch (err) {
          // Cancellation is the workflow's decision, not a failure of the work.
          if (!(err instanceof Error && err.name === 'CancelledFailure')) {
            observeFailure(ctx, err);
            if (reportFinal && isFinalAttempt(ctx, err)) reportFinal(err, ctx);
          }
          throw err;
        }
      },
    };
    return { inbound };
  };
}
