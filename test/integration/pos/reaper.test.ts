import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReapResult } from '../../../activities/syncReaper.js';
import { SYNC_RUNS_REAPER_SCHEDULE_ID } from '../../../domain/pos/reaper.js';
import { BLAZE_SANDBOX_PREFIX, createBlazeSandbox } from '../../../sandboxes/pos/blaze.js';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import type { RunningSandbox } from '../../../sandboxes/pos/support/serve.js';
import { temporalSettings } from '../../../temporal.config.js';
import { ORDERS_RECONCILER_SCHEDULE_ID } from '../../../domain/orders/reconcile.js';
import { ensureSystemSchedules } from '../../../worker/schedules.js';
import { posSync, type PosSyncInput } from '../../../workflows/posSync.js';
import { syncRunsReaper } from '../../../workflows/syncRunsReaper.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, temporalClient, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { allowPosHost, connect, FAST_RETRY, rows, until } from './helpers.js';

describe('sync-runs reaper: runs whose workflow ended without settling them', () => {
  const deps = createDeps();
  const settings = temporalSettings(deps.config);
  let api: RunningApi;
  let workers: RunningWorkers;
  let client: Client;
  let headers: Record<string, string>;
  const sandboxes: RunningSandbox[] = [];
  const started: string[] = [];

  const runOf = async (id: string) => (await request(api.url, 'GET', `/sync-runs/${id}`, undefined, headers)).body;
  const connectionOf = async (id: string) => (await request(api.url, 'GET', `/pos-connections/${id}`, undefined, headers)).body;

  /** Starts posSync (not waiting for it) and returns once its run row exists. */
  async function startSync(connectionId: string, extra: Partial<PosSyncInput> = {}, opts: { workflowExecutionTimeout?: number } = {}) {
    const workflowId = `pos-sync-test:${connectionId}:${randomUUID()}`;
    const handle = await client.workflow.start(posSync, {
      taskQueue: settings.taskQueues.sync,
      workflowId,
      args: [{ connectionId, retry: FAST_RETRY, heartbeatTimeoutMs: 5000, ...extra }],
      ...opts,
    });
    started.push(workflowId);
    const run = await until(async () => {
      const [r] = await rows<{ id: string; status: string }>(deps.sequelize, 'SELECT id, status FROM sync_runs WHERE workflow_id = ?', [workflowId]);
      return r;
    }, 30_000, 'the run row');
    return { handle, workflowId, runId: run.id };
  }

  const reap = () =>
    client.workflow.execute(syncRunsReaper, {
      taskQueue: settings.taskQueues.sync,
      workflowId: `sync-runs-reaper-test:${randomUUID()}`,
      args: [{ retry: FAST_RETRY }],
    }) as Promise<ReapResult>;

  beforeAll(async () => {
    [api, workers, client] = await Promise.all([startApi(deps), startWorkers(deps, { queues: ['sync'] }), temporalClient(deps.config)]);
    headers = await adminHeaders(deps);
    // A worker process another test file spawned (worker/main.ts) may have put the Schedule in
    // place on this shared dev server; this file triggers passes itself.
    await client.schedule.getHandle(SYNC_RUNS_REAPER_SCHEDULE_ID).delete().catch(() => undefined);
  });
  afterAll(async () => {
    for (const id of started) await client?.workflow.getHandle(id).terminate('test cleanup').catch(() => undefined);
    // The Schedule would outlive this file on the shared dev server.
    await client?.schedule.getHandle(SYNC_RUNS_REAPER_SCHEDULE_ID).delete().catch(() => undefined);
    await workers?.stop();
    await Promise.all(sandboxes.map((s) => s.close()));
    await api?.close();
    await client?.connection.close();
    await closeDeps(deps);
  });

  it('fails a terminated run with the reason, leaves a live continued-as-new run alone, and settles it once it is terminated too', async () => {
    // A vendor slow enough that neither sync finishes while the test looks at it.
    const dutchie = await createDutchieSandbox({ items: 50, sales: 0, faults: { slowMs: 20_000 } }).start(0);
    const blaze = await createBlazeSandbox({ items: 2000, sales: 0, faults: { slowMs: 150 } }).start(0);
    sandboxes.push(dutchie, blaze);
    allowPosHost(deps, dutchie.url);
    allowPosHost(deps, blaze.url);
    const { connection: doomedConn } = await connect(api.url, headers, 'dutchie', dutchie.url);
    const { connection: liveConn } = await connect(api.url, headers, 'blaze', `${blaze.url}${BLAZE_SANDBOX_PREFIX}`);

    const doomed = await startSync(doomedConn.id);
    // One page per activity, one activity per execution: the live run continues-as-new every page.
    const live = await startSync(liveConn.id, { pageSize: 10, pagesPerActivity: 1, callsPerExecution: 1 });
    const firstLiveRun = (await live.handle.describe()).runId;
    await until(async () => (await live.handle.describe()).runId !== firstLiveRun, 30_000, 'the live sync to continue-as-new');

    await doomed.handle.terminate('vendor hung; operator gave up');
    expect((await doomed.handle.describe()).status.name).toBe('TERMINATED');
    // Nothing settled the row: the workflow never reached posFailRun. Readers can already tell.
    const before = await runOf(doomed.runId);
    expect(before).toMatchObject({ status: 'running', stale: true, finished_at: null });
    expect((await runOf(live.runId)).stale).toBe(false);

    const result = await reap();
    expect(result.reaped).toBeGreaterThanOrEqual(1);
    expect(result.checked).toBeGreaterThanOrEqual(2);

    const after = await runOf(doomed.runId);
    expect(after).toMatchObject({
      status: 'failed',
      stale: false,
      progress: { phase: 'done' },
      error: { type: 'WorkflowTerminated', message: 'workflow terminated: vendor hung; operator gave up' },
    });
    expect(after.finished_at).not.toBeNull();
    expect(after.duration_ms).toBeGreaterThanOrEqual(0);
    const conn = await connectionOf(doomedConn.id);
    expect(conn.last_run).toMatchObject({ id: doomed.runId, status: 'failed' });
    const [flag] = await rows<{ last_run_status: string }>(deps.sequelize, 'SELECT last_run_status FROM pos_connections WHERE id = ?', [doomedConn.id]);
    expect(flag!.last_run_status).toBe('failed');

    // The live run follows its workflow id across executions and is untouched, still making progress.
    const liveRow = await runOf(live.runId);
    expect(liveRow).toMatchObject({ status: 'running', stale: false, error: null, finished_at: null });
    expect((await live.handle.describe()).status.name).toBe('RUNNING');
    await until(async () => (await runOf(live.runId)).progress.pages > liveRow.progress.pages, 30_000, 'the live sync to keep going');

    // Once it too is ended from outside, the next pass settles it.
    await live.handle.terminate('test: stop the live one');
    await reap();
    expect(await runOf(live.runId)).toMatchObject({ status: 'failed', error: { type: 'WorkflowTerminated', message: 'workflow terminated: test: stop the live one' } });
  });

  it('fails a run whose workflow timed out, and one whose workflow Temporal no longer knows', async () => {
    const dutchie = await createDutchieSandbox({ items: 50, sales: 0, faults: { slowMs: 20_000 } }).start(0);
    sandboxes.push(dutchie);
    allowPosHost(deps, dutchie.url);
    const { connection } = await connect(api.url, headers, 'dutchie', dutchie.url);
    const timed = await startSync(connection.id, {}, { workflowExecutionTimeout: 3000 });
    await until(async () => (await timed.handle.describe()).status.name === 'TIMED_OUT', 30_000, 'the workflow to time out');

    // A row left behind by a workflow whose history is gone (retention, a reset dev server).
    const { connection: other } = await connect(api.url, headers, 'dutchie', dutchie.url);
    const ghost = randomUUID();
    await deps.sequelize.query(
      `INSERT INTO sync_runs (id, connection_id, entity_id, workflow_id, status, mode, phase, started_at)
       VALUES (?, ?, ?, ?, 'running', 'snapshot', 'snapshot', NOW(3) - INTERVAL 1 HOUR)`,
      { replacements: [ghost, other.id, other.entity_id, `pos-sync-test:never-started:${ghost}`] },
    );
    // The connection has moved on to a newer run; the ghost must not overwrite that run's status.
    await deps.sequelize.query(`UPDATE pos_connections SET last_run_status = 'succeeded' WHERE id = ?`, { replacements: [other.id] });

    await reap();
    expect(await runOf(timed.runId)).toMatchObject({ status: 'failed', error: { type: 'WorkflowTimedOut', message: 'workflow timed out' } });
    expect((await connectionOf(connection.id)).last_run.status).toBe('failed');
    expect(await runOf(ghost)).toMatchObject({ status: 'failed', error: { type: 'WorkflowNotFound', message: 'workflow not found in Temporal' } });
    const [otherConn] = await rows<{ last_run_status: string }>(deps.sequelize, 'SELECT last_run_status FROM pos_connections WHERE id = ?', [other.id]);
    expect(otherConn!.last_run_status).toBe('succeeded');
  });

  it('runs from the sync-runs-reaper Schedule the worker puts in place', async () => {
    // The orders reconciler's Schedule (issue 14.3) comes with it; its own test is orders/orphans.test.ts.
    expect(await ensureSystemSchedules(client, settings)).toEqual([SYNC_RUNS_REAPER_SCHEDULE_ID, ORDERS_RECONCILER_SCHEDULE_ID]);
    // Idempotent: a second worker starting up finds it and brings it in line.
    await ensureSystemSchedules(client, settings);
    const schedule = client.schedule.getHandle(SYNC_RUNS_REAPER_SCHEDULE_ID);
    const d = await schedule.describe();
    expect(d.action).toMatchObject({ workflowType: 'syncRunsReaper', taskQueue: settings.taskQueues.sync });
    expect(d.spec.intervals?.[0]?.every).toBe(5 * 60_000);
    expect(d.policies.overlap).toBe('SKIP');

    const dutchie = await createDutchieSandbox({ items: 50, sales: 0, faults: { slowMs: 20_000 } }).start(0);
    sandboxes.push(dutchie);
    allowPosHost(deps, dutchie.url);
    const { connection } = await connect(api.url, headers, 'dutchie', dutchie.url);
    const doomed = await startSync(connection.id);
    await doomed.handle.terminate('from the schedule test');
    await schedule.trigger();
    const run = await until(async () => {
      const r = await runOf(doomed.runId);
      return r.status === 'failed' ? r : undefined;
    }, 60_000, 'the scheduled reaper to settle the run');
    expect(run.error).toEqual({ type: 'WorkflowTerminated', message: 'workflow terminated: from the schedule test' });

    await schedule.delete();
    await expect(schedule.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });
});
