/**
 * A worker process is SIGKILLed while its METRC write is in flight (the sandbox holds the
 * request, then commits it with nobody listening). Another worker takes over after the
 * heartbeat timeout, reconciles by natural key and adopts the record: no duplicate, no loss.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { createSubmission, eachPackages, metrcOverrides, receiptPayload, RETAILERS, startSandbox, until, type SandboxHandle } from './helpers.js';

describe('worker killed mid-submission', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let workers: RunningWorkers | undefined;
  let child: ChildProcess | undefined;
  let headers: Record<string, string>;

  beforeAll(async () => {
    sb = await startSandbox();
    deps = createDeps(metrcOverrides(sb.running.url, { METRC_TIMEOUT: '30s' }));
    api = await startApi(deps);
    headers = await adminHeaders(deps);
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await workers?.stop();
    await api?.close();
    await closeDeps(deps);
    await sb?.running.close();
  });

  it('leaves exactly one receipt in METRC and the submission succeeded (reconciled)', async () => {
    // Writes to receipts are held 4 s before the sandbox commits them.
    await sb.faults({ latencyMs: 4000, methods: ['POST'], pathPrefix: '/sales/v2/receipts' });
    child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
      env: { ...process.env, ...metrcOverrides(sb.running.url, { METRC_TIMEOUT: '30s' }), WORKER_QUEUES: 'compliance', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const payload = receiptPayload(eachPackages(RETAILERS[1]!)[3]!.label);
    const { id } = await createSubmission(api.url, headers, 'sales_receipt', RETAILERS[1]!, payload);

    // The child worker has marked the write as possibly landed and the POST is in flight.
    await until('the write to be in flight', async () => {
      const [rows] = await deps.sequelize.query('SELECT possibly_landed FROM metrc_submissions WHERE id = ?', { replacements: [id] });
      return Number((rows as { possibly_landed: number }[])[0]?.possibly_landed) === 1 ? true : undefined;
    }, 120_000, 50);
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));

    // The sandbox commits the held write although its client is dead.
    await until('the orphaned write to commit', async () => ((await sb.state()).receiptsByExternalNumber[payload.ExternalReceiptNumber] === 1 ? true : undefined), 20_000);
    await sb.faults({});

    workers = await startWorkers(deps, { queues: ['compliance'] });
    const done = await until('the submission to settle', async () => {
      const r = await request(api.url, 'GET', `/metrc-submissions/${id}`, undefined, headers);
      return ['succeeded', 'failed'].includes(r.body.status) ? r.body : undefined;
    }, 120_000, 500);

    expect(done.status).toBe('succeeded');
    expect(done.reconciled).toBe(true);
    expect(done.attempts[0]).toMatchObject({ outcome: 'failed', error_code: 'WORKER_LOST', ambiguous: true });
    expect(done.attempts.at(-1).outcome).toBe('reconciled');
    const state = await sb.state();
    expect(state.receiptsByExternalNumber[payload.ExternalReceiptNumber]).toBe(1);
    const stored = [...sb.sandbox.state.receipts.values()].find((r) => r.ExternalReceiptNumber === payload.ExternalReceiptNumber)!;
    expect(done.metrc_ids).toEqual([stored.Id]);
  }, 300_000);
});
