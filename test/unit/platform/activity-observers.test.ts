import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { labelActivity, registry } from '../../../platform/metrics.js';
import { activityObservers, errorType, isFinalAttempt } from '../../../worker/activityObservers.js';

const ctx = (info: Partial<Context['info']>) => ({ info: { activityType: 'x', workflowType: 'w', attempt: 1, scheduledTimestampMs: Date.now() - 2000, ...info } }) as unknown as Context;
const sample = async (name: string, labels: string) => {
  const text = await registry.metrics();
  return Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
};
const run = async (c: Context, args: unknown[], fn: () => Promise<unknown>, reported: unknown[] = []) => {
  const { inbound } = activityObservers((err) => reported.push(err))(c);
  return inbound!.execute!({ args, headers: {} }, fn as never);
};

describe('activity observers (business metrics and final failures)', () => {
  it('counts a recorded status change once, not its retry that found the row there', async () => {
    const c = ctx({ activityType: 'recordOrderEvent' });
    const labels = 'from="shipped",to="delivered"';
    const before = await sample('trellis_order_transitions_total', labels);
    await run(c, [{ type: 'status_changed', from: 'shipped', to: 'delivered' }], async () => ({ recorded: true }));
    await run(c, [{ type: 'status_changed', from: 'shipped', to: 'delivered' }], async () => ({ recorded: false }));
    await run(c, [{ type: 'metrc_status' }], async () => ({ recorded: true }));
    expect(await sample('trellis_order_transitions_total', labels)).toBe(before + 1);
  });

  it('METRC outcomes by the submission’s kind (read by the activity from its row), not the workflow type', async () => {
    const c = ctx({ activityType: 'submitMetrcSubmission', workflowType: 'metrcSubmission' });
    const labelled = (fn: () => Promise<unknown>) => async () => {
      labelActivity(c, { kind: 'package_adjustment' });
      return fn();
    };
    await run(c, [{ submissionId: 's' }], labelled(async () => ({ status: 'succeeded' })));
    await expect(run(c, [{ submissionId: 's' }], labelled(async () => Promise.reject(ApplicationFailure.create({ type: 'MetrcRejected', message: 'no' }))))).rejects.toThrow('no');
    expect(await sample('trellis_metrc_submission_outcomes_total', 'kind="package_adjustment",outcome="succeeded",error_type="none"')).toBeGreaterThanOrEqual(1);
    expect(await sample('trellis_metrc_submission_outcomes_total', 'kind="package_adjustment",outcome="failed",error_type="MetrcRejected"')).toBe(1);
    expect(await sample('trellis_metrc_submission_time_to_success_seconds_sum', 'kind="package_adjustment"')).toBeGreaterThanOrEqual(2);
    expect(await sample('trellis_metrc_submission_outcomes_total', 'kind="metrcSubmission",outcome="succeeded",error_type="none"')).toBe(0);
    // An attempt that failed before reading its row has no kind to give.
    const bare = ctx({ activityType: 'submitMetrcSubmission', workflowType: 'metrcSubmission' });
    await expect(run(bare, [{ submissionId: 'gone' }], async () => Promise.reject(ApplicationFailure.create({ type: 'NotFound', message: 'gone' })))).rejects.toThrow('gone');
    expect(await sample('trellis_metrc_submission_outcomes_total', 'kind="unknown",outcome="failed",error_type="NotFound"')).toBe(1);
  });

  it('reports only failures Temporal will not retry', async () => {
    const reported: unknown[] = [];
    const retrying = ctx({ activityType: 'deliverEmail', attempt: 2, retryPolicy: { maximumAttempts: 5 } });
    await expect(run(retrying, [{}], async () => Promise.reject(new Error('smtp down')), reported)).rejects.toThrow();
    expect(reported).toHaveLength(0);
    const last = ctx({ activityType: 'deliverEmail', attempt: 5, retryPolicy: { maximumAttempts: 5 } });
    await expect(run(last, [{}], async () => Promise.reject(new Error('smtp down')), reported)).rejects.toThrow();
    const nonRetryable = ApplicationFailure.nonRetryable('bounced', 'SmtpRejected');
    await expect(run(retrying, [{}], async () => Promise.reject(nonRetryable), reported)).rejects.toThrow();
    expect(reported).toHaveLength(2);
    expect(isFinalAttempt(ctx({ retryPolicy: { nonRetryableErrorTypes: ['NotFound'] } }), ApplicationFailure.create({ type: 'NotFound', message: 'x' }))).toBe(true);
    expect(isFinalAttempt(ctx({ attempt: 40 }), new Error('unlimited retries never run out'))).toBe(false);
    expect(errorType(new TypeError('x'))).toBe('TypeError');
    expect(await sample('trellis_notification_deliveries_total', 'channel="email",status="failed",error_type="SmtpRejected"')).toBe(1);
  });
});
