/**
 * The console's Workflows API over real HTTP against the run's Temporal server: a real posSync whose
 * vendor keeps answering 500 is found by the "retrying" filter, described with its attempts, then
 * terminated (audit-logged); cancel reaches a running execution; entity users see none of it.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import type { RunningSandbox } from '../../../sandboxes/pos/support/serve.js';
import { NON_RETRYABLE_ERROR_TYPES, temporalSettings } from '../../../temporal.config.js';
import { posSync } from '../../../workflows/posSync.js';
import { adminHeaders, headersFor } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, temporalClient, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { allowPosHost, connect, until } from '../pos/helpers.js';

/** Retries forever at a steady pace, so the execution sits in "retrying" until an operator acts. */
const STUBBORN_RETRY = { initialInterval: 500, backoffCoefficient: 1, maximumAttempts: 1000, maximumInterval: 500, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES };

describe('workflows API: retrying filter, detail, terminate, cancel', () => {
  const deps = createDeps();
  let api: RunningApi;
  let workers: RunningWorkers;
  let client: Client;
  let failing: RunningSandbox;
  let headers: Record<string, string>;
  let connectionId: string;
  let entityId: string;
  const started: string[] = [];

  const get = (path: string, h = headers) => request(api.url, 'GET', path, undefined, h);
  const post = (path: string, body?: unknown, h = headers) => request(api.url, 'POST', path, body, h);
  const wf = (id: string) => `/workflows/${encodeURIComponent(id)}`;

  /** A real posSync whose snapshot activity fails on every attempt (the vendor answers 500). */
  async function startFailingSync(label: string) {
    // Short ids: audit-log filters take target_id up to 64 characters.
    const workflowId = `cwt-${label}:${randomUUID()}`;
    await client.workflow.start(posSync, {
      taskQueue: temporalSettings(deps.config).taskQueues.sync,
      workflowId,
      args: [{ connectionId, retry: STUBBORN_RETRY, heartbeatTimeoutMs: 10_000 }],
    });
    started.push(workflowId);
    return workflowId;
  }

  beforeAll(async () => {
    [api, workers, client, failing] = await Promise.all([
      startApi(deps),
      startWorkers(deps, { queues: ['sync'] }),
      temporalClient(deps.config),
      createDutchieSandbox({ items: 20, sales: 0, faults: { errorRate: 1 } }).start(0),
    ]);
    allowPosHost(deps, failing.url);
    headers = await adminHeaders(deps);
    const { world, connection } = await connect(api.url, headers, 'dutchie', failing.url);
    connectionId = connection.id as string;
    entityId = world.wholesaler.id as string;
  });

  afterAll(async () => {
    // Whatever a failed assertion left running must not keep retrying into the next test file.
    for (const id of started) await client?.workflow.getHandle(id).terminate('test cleanup').catch(() => undefined);
    await workers?.stop();
    await failing?.close();
    await api?.close();
    await client?.connection.close();
    await closeDeps(deps);
  });

  it('lists a workflow whose activity keeps failing under status=retrying, with attempt > 1 in its detail', async () => {
    const id = await startFailingSync('retry');

    const listed = await until(
      async () => {
        const res = await get(`/workflows?status=retrying&workflow_id=${encodeURIComponent(id)}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body.data.find((w: { workflow_id: string }) => w.workflow_id === id);
      },
      60_000,
      'the failing sync to show up as retrying',
    );
    expect(listed).toMatchObject({ workflow_id: id, type: 'posSync', status: 'running', retrying: true });
    expect(listed.max_attempt).toBeGreaterThan(1);

    const detail = await get(wf(id));
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ workflow_id: id, status: 'running', retrying: true });
    const pending = detail.body.pending_activities as Array<{ activity_type: string; attempt: number; maximum_attempts: number; last_failure: { message: string } | null; next_attempt_time: string | null }>;
    expect(pending).toHaveLength(1);
    expect(pending[0]!.activity_type).toBe('posSyncSnapshot');
    expect(pending[0]!.attempt).toBeGreaterThan(1);
    expect(pending[0]!.maximum_attempts).toBe(STUBBORN_RETRY.maximumAttempts);
    expect(pending[0]!.last_failure?.message).toMatch(/500|unavailable|server/i);

    // A healthy running workflow is not "retrying": the plain running list has it, the filter does not
    // list executions that never failed (the scan covers only this run's test workflows here).
    const all = await get(`/workflows?status=running&workflow_id=${encodeURIComponent(id)}`);
    expect(all.body.data.map((w: { workflow_id: string }) => w.workflow_id)).toEqual([id]);
  });

  it('terminates a retrying workflow with a reason and writes an audit row; a second terminate is a conflict', async () => {
    const id = await startFailingSync('term');
    await until(async () => (await get(wf(id))).body.pending_activities?.[0]?.attempt > 1, 60_000, 'a second attempt');

    // The reason is required.
    expect((await post(`${wf(id)}/terminate`, {})).status).toBe(400);

    const reason = `vendor down, stop retrying ${randomUUID().slice(0, 8)}`;
    const res = await post(`${wf(id)}/terminate`, { reason });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ workflow_id: id, action: 'terminate', accepted: true });

    const after = await get(wf(id));
    expect(after.body.status).toBe('terminated');
    expect(after.body.history.some((e: { event_type: string; detail: string | null }) => e.event_type === 'WORKFLOW_EXECUTION_TERMINATED' && e.detail === reason)).toBe(true);
    const retrying = await get(`/workflows?status=retrying&workflow_id=${encodeURIComponent(id)}`);
    expect(retrying.body.data).toEqual([]);

    const audit = await get(`/audit-log?action=workflow.terminated&target_id=${encodeURIComponent(id)}`);
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0]).toMatchObject({ action: 'workflow.terminated', target_type: 'workflow', target_id: id });
    expect(JSON.stringify(audit.body.data[0])).toContain(reason);

    // Terminating or cancelling a closed workflow is refused (409) and not audit-logged.
    const again = await post(`${wf(id)}/terminate`, { reason });
    expect(again.status).toBe(409);
    expect(again.body.error.details.status).toBe('terminated');
    expect((await post(`${wf(id)}/cancel`, { reason })).status).toBe(409);
    expect((await get(`/audit-log?action=workflow.cancel_requested&target_id=${encodeURIComponent(id)}`)).body.data).toHaveLength(0);
    expect((await get(`/audit-log?action=workflow.terminated&target_id=${encodeURIComponent(id)}`)).body.data).toHaveLength(1);
    expect((await post(`${wf(`cwt-missing:${randomUUID()}`)}/terminate`, { reason })).status).toBe(404);
  });

  it('cancel reaches a running workflow: it closes, its history shows the request, and the action is audit-logged', async () => {
    const id = await startFailingSync('cancel');
    await until(async () => (await get(wf(id))).body.pending_activities?.length > 0, 60_000, 'the snapshot activity to be scheduled');

    const res = await post(`${wf(id)}/cancel`, { reason: 'operator cancelled from the console' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ workflow_id: id, action: 'cancel', accepted: true });

    const closed = await until(
      async () => {
        const d = (await get(wf(id))).body;
        return d.status !== 'running' ? d : undefined;
      },
      60_000,
      'the cancelled workflow to close',
    );
    // posSync records the interrupted run as failed and closes (its cleanup is non-cancellable).
    expect(['cancelled', 'failed']).toContain(closed.status);
    const types = (closed.history as Array<{ event_type: string }>).map((e) => e.event_type);
    expect(types).toContain('WORKFLOW_EXECUTION_CANCEL_REQUESTED');
    const runs = await get(`/sync-runs?connection_id=${connectionId}`);
    const run = runs.body.data.find((r: { workflow_id: string }) => r.workflow_id === id);
    expect(run?.status).toBe('failed');

    const audit = await get(`/audit-log?action=workflow.cancel_requested&target_id=${encodeURIComponent(id)}`);
    expect(audit.body.data).toHaveLength(1);
    expect(JSON.stringify(audit.body.data[0])).toContain('operator cancelled from the console');
  });

  it('entity users cannot see or act on workflows; compliance staff may look but not act', async () => {
    const id = await startFailingSync('authz');
    const owner = await headersFor(deps, { role: 'owner', entityId });
    for (const [method, path, body] of [
      ['GET', '/workflows', undefined],
      ['GET', '/workflows?status=retrying', undefined],
      ['GET', wf(id), undefined],
      ['POST', `${wf(id)}/terminate`, { reason: 'not mine to stop' }],
      ['POST', `${wf(id)}/cancel`, {}],
      ['POST', `${wf(id)}/signal`, { name: 'retry' }],
    ] as const) {
      const res = await request(api.url, method, path, body, owner);
      expect([403, 404], `${method} ${path} → ${res.status}`).toContain(res.status);
    }

    const compliance = await headersFor(deps, { role: 'compliance' });
    expect((await get(wf(id), compliance)).status).toBe(200);
    expect((await post(`${wf(id)}/terminate`, { reason: 'not allowed' }, compliance)).status).toBe(403);

    // Nothing the refused callers sent reached Temporal or the audit log.
    expect((await get(wf(id))).body.status).toBe('running');
    const audit = await get(`/audit-log?target_id=${encodeURIComponent(id)}`);
    expect(audit.body.data.filter((a: { action: string }) => a.action.startsWith('workflow.'))).toEqual([]);

    expect((await post(`${wf(id)}/terminate`, { reason: 'cleanup' })).status).toBe(202);
  });
});
