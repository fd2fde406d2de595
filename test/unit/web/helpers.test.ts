import { get } from 'svelte/store';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../web/src/lib/api/http.js';
import { parsePayload, rowMessages } from '../../../web/src/lib/metrc.js';
import { createResource } from '../../../web/src/lib/stores/resource.js';
import { runProgress } from '../../../web/src/lib/services/syncs.js';
import { mergeTimeline } from '../../../web/src/lib/timeline.js';
import { parseAttribute, visibilityQuery } from '../../../api/services/workflowQuery.js';

describe('console helpers', () => {
  it('validates a corrected METRC payload before it can be retried', () => {
    expect(parsePayload('[{"PackageLabel":"1A4FF0100000022000000123"}]')).toMatchObject({ ok: true });
    expect(parsePayload('{oops')).toMatchObject({ ok: false, error: expect.stringMatching(/Not valid JSON/) });
    expect(parsePayload('42')).toMatchObject({ ok: false });
    expect(parsePayload('[]')).toMatchObject({ ok: false, error: 'The payload has no rows.' });
    expect(parsePayload('  ')).toMatchObject({ ok: false });
  });

  it('finds row messages on the submission or its latest attempt', () => {
    expect(rowMessages({ id: 's', status: 'failed', row_messages: [{ row: 0, message: 'Package not found' }] })).toEqual([{ row: 0, message: 'Package not found' }]);
    const viaAttempts = { id: 's', status: 'failed', attempts: [{ messages: [{ index: 1, message: 'old' }] }, { row_messages: [{ row: 2, message: 'Invalid tag' }] }] };
    expect(rowMessages(viaAttempts as never)).toEqual([{ row: 2, message: 'Invalid tag' }]);
    expect(rowMessages({ id: 's', status: 'failed' })).toEqual([]);
  });

  it('merges order events and workflow steps newest first, hiding Temporal bookkeeping', () => {
    const items = mergeTimeline(
      [
        { id: 'e1', type: 'status', from_status: null, to_status: 'submitted', actor_label: 'Mile High', occurred_at: '2026-01-01T10:00:00.000Z' },
        { id: 'e2', type: 'status', from_status: 'submitted', to_status: 'accepted', actor: { label: 'Ops' }, reason: null, occurred_at: '2026-01-01T10:05:00.000Z' },
      ],
      [
        { event_id: 1, event_type: 'WORKFLOW_EXECUTION_STARTED', time: '2026-01-01T10:00:01.000Z', detail: null },
        { event_id: 2, event_type: 'WORKFLOW_TASK_SCHEDULED', time: '2026-01-01T10:00:01.000Z', detail: null },
        { event_id: 7, event_type: 'ACTIVITY_TASK_FAILED', time: '2026-01-01T10:06:00.000Z', detail: 'reserveStock: boom' },
      ],
    );
    // Business words (issue 20): the step by what it does, the status move kept beside the sentence.
    expect(items.map((i) => i.title)).toEqual(['Stock reserved did not go through; retrying', 'Accepted by the seller', 'Order process started', 'Order placed']);
    expect(items.map((i) => i.move)).toEqual([null, 'submitted → accepted', null, 'submitted']);
    expect(items[0]!.detail).toBe('boom');
    expect(items.some((i) => /task|execution|timer/i.test(i.title))).toBe(false);
    expect(items[1]!.who).toBe('Ops');
  });

  it('derives sync progress from whatever the run reports', () => {
    expect(runProgress({ id: 'r', status: 'running', progress: { phase: 'zeroing', pages: 3, items: 900 } })).toBe(0.75);
    expect(runProgress({ id: 'r', status: 'running', progress: { done: 25, total: 100 } })).toBe(0.25);
    expect(runProgress({ id: 'r', status: 'running', progress: 40 })).toBe(0.4);
    expect(runProgress({ id: 'r', status: 'running', progress: { percent: 80 } })).toBe(0.8);
    expect(runProgress({ id: 'r', status: 'succeeded' })).toBe(1);
    expect(runProgress({ id: 'r', status: 'partial', progress: { phase: 'changes' } })).toBe(1);
    expect(runProgress({ id: 'r', status: 'running' })).toBeUndefined();
  });

  it('keeps old data visible when a reload fails, and marks undeployed endpoints', async () => {
    let n = 0;
    const r = createResource(async () => {
      n++;
      if (n === 2) throw new ApiError(500, 'INTERNAL_ERROR', 'Internal server error');
      if (n === 3) throw new ApiError(404, 'NOT_FOUND', 'No route for GET /api/v1/sync-runs');
      return n;
    });
    await r.load();
    await r.reload();
    expect(get(r)).toMatchObject({ loading: false, data: 1, error: 'Internal server error', unavailable: false });
    await r.reload();
    expect(get(r)).toMatchObject({ data: 1, unavailable: true });
  });

  it('runs one request at a time: reloads asked for meanwhile run once after it, and the last answer wins', async () => {
    let calls = 0;
    let open = 0;
    let most = 0;
    const r = createResource(async () => {
      const mine = ++calls;
      most = Math.max(most, ++open);
      await new Promise((res) => setTimeout(res, 20));
      open--;
      return mine;
    });
    // A burst of live events while the first answer is on its way.
    await Promise.all([r.load(), r.reload(), r.reload(), r.reload(), r.reload()]);
    expect(most).toBe(1);
    expect(calls).toBe(2);
    expect(get(r)).toMatchObject({ loading: false, data: 2, error: undefined });
  });

  it('builds visibility queries that filters cannot widen', () => {
    expect(visibilityQuery({ type: 'orderLifecycle', status: 'retrying', task_queue: 'orders' })).toBe(
      "WorkflowType = 'orderLifecycle' AND ExecutionStatus = 'Running' AND TaskQueue = 'orders'",
    );
    expect(visibilityQuery({ status: 'cancelled', workflow_id: 'order:*' })).toBe("ExecutionStatus = 'Canceled' AND WorkflowId STARTS_WITH 'order:'");
    expect(visibilityQuery({ attributes: [{ name: 'OrderStatus', value: "x' OR '1'='1" }] })).toBe("OrderStatus = 'x OR 1=1'");
    expect(visibilityQuery({})).toBe('');
    expect(parseAttribute('OrderStatus=accepted')).toEqual({ name: 'OrderStatus', value: 'accepted' });
    expect(parseAttribute('=x')).toBeUndefined();
    expect(parseAttribute('OrderStatus=')).toBeUndefined();
  });
});
