import { spawn, type ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLAZE_SANDBOX_PREFIX, createBlazeSandbox } from '../../../sandboxes/pos/blaze.js';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import type { RunningSandbox } from '../../../sandboxes/pos/support/serve.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, temporalClient, type RunningApi } from '../../support/harness.js';
import { allowPosHost, connect, countFor, rows, runSync, until } from './helpers.js';

/** A real worker process (worker/main.ts) polling only `sync`, so it can be SIGKILLed mid-activity. */
function spawnWorker(): ChildProcess {
  // `node --import tsx`, not the tsx CLI: the CLI runs the script in a grandchild that a SIGKILL
  // of the CLI would leave running.
  return spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    env: { ...process.env, WORKER_QUEUES: 'sync', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

describe('posSync survives a worker killed mid-sync', () => {
  const deps = createDeps();
  let api: RunningApi;
  let client: Client;
  let headers: Record<string, string>;
  const sandboxes: RunningSandbox[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    [api, client] = await Promise.all([startApi(deps), temporalClient(deps.config)]);
    headers = await adminHeaders(deps);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await Promise.all(sandboxes.map((s) => s.close()));
    await api?.close();
    await client?.connection.close();
    await closeDeps(deps);
  });

  async function killMidway(connectionId: string, minPages: number) {
    const child = spawnWorker();
    children.push(child);
    const run = await until(
      async () => {
        const [r] = await rows<{ id: string; pages: number }>(deps.sequelize, 'SELECT id, pages FROM sync_runs WHERE connection_id = ?', [connectionId]);
        return r && r.pages >= minPages ? r : undefined;
      },
      90_000,
      'the child worker to make progress',
    );
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const [at] = await rows<{ pages: number; status: string }>(deps.sequelize, 'SELECT pages, status FROM sync_runs WHERE id = ?', [run.id]);
    expect(at!.status).toBe('running');
    return { runId: run.id, pagesAtKill: at!.pages };
  }

  it('BLAZE: a new worker resumes from the heartbeated page, with no duplicate rows or counts', async () => {
    const sandbox = await createBlazeSandbox({ items: 3000, sales: 0, faults: { slowMs: 300 } }).start(0);
    sandboxes.push(sandbox);
    allowPosHost(deps, sandbox.url);
    const { world, connection } = await connect(api.url, headers, 'blaze', `${sandbox.url}${BLAZE_SANDBOX_PREFIX}`);
    // The SDK throttles heartbeats to 80% of the timeout; a short timeout keeps the saved resume
    // point close behind the kill.
    const done = runSync(client, deps, connection.id, { pageSize: 100, pagesPerActivity: 100, heartbeatTimeoutMs: 2000 });
    const { runId, pagesAtKill } = await killMidway(connection.id, 12);

    const workers = await startWorkers(deps, { queues: ['sync'] });
    try {
      const result = await done;
      expect(result).toEqual({ runId, status: 'succeeded' });
    } finally {
      await workers.stop();
    }
    const run = (await request(api.url, 'GET', `/sync-runs/${runId}`, undefined, headers)).body;
    expect(run.counts).toMatchObject({ fetched: 3000, created: 3000, updated: 0, item_errors: 0 });
    // 30 pages in all; anything above that was re-read after the kill. Restarting from page 1
    // would re-read every page applied before it.
    const reread = run.progress.pages - 30;
    expect(reread).toBeGreaterThanOrEqual(0);
    expect(reread).toBeLessThan(pagesAtKill);
    expect(await countFor(deps.sequelize, connection.id, world.wholesaler.id)).toMatchObject({ inventory: 3000, products: 3000, duplicates: 0 });
    // The retried activity really started from its heartbeat, not from the workflow's input.
    const history = await client.workflow.getHandle(run.workflow_id).fetchHistory();
    const retried = (history.events ?? []).some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
    expect(retried).toBe(true);
  });

  it('Dutchie: a re-streamed snapshot skips what the killed attempt applied and zeroes nothing wrongly', async () => {
    const sandbox = await createDutchieSandbox({ items: 20_000, sales: 0 }).start(0);
    sandboxes.push(sandbox);
    allowPosHost(deps, sandbox.url);
    const { world, connection } = await connect(api.url, headers, 'dutchie', sandbox.url);
    const done = runSync(client, deps, connection.id, { chunkSize: 500 });
    const { runId } = await killMidway(connection.id, 4);

    const workers = await startWorkers(deps, { queues: ['sync'] });
    try {
      expect(await done).toEqual({ runId, status: 'succeeded' });
    } finally {
      await workers.stop();
    }
    const run = (await request(api.url, 'GET', `/sync-runs/${runId}`, undefined, headers)).body;
    expect(run.counts).toMatchObject({ fetched: 20_000, created: 20_000, updated: 0, zeroed: 0, item_errors: 0 });
    const history = await client.workflow.getHandle(run.workflow_id).fetchHistory();
    expect((history.events ?? []).some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toBe(true);
    expect(await countFor(deps.sequelize, connection.id, world.wholesaler.id)).toMatchObject({ inventory: 20_000, products: 20_000, duplicates: 0 });
  });
});
