/**
 * Credential blips (issue 23): METRC refuses working keys with 401/403 for a while. A blip
 * shorter than METRC_AUTH_RETRY_WINDOW is ridden out inside the attempt (nothing fails); a
 * longer one parks the license's submissions with one alert for the license, not a dead letter
 * per submission, and they go out once the key works again; compliance staff see them parked and
 * may discard one, which ends its workflow. Also: a 429 burst on lookups is waited out rather than
 * costing attempts.
 */
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { GENERATION, recordHistories } from '../../support/recordHistories.js';
import { closeDeps, createDeps, startApi, startWorkers, temporalClient, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import {
  adjustmentPayload,
  createSubmission,
  eachPackages,
  metrcOverrides,
  receiptPayload,
  RETAILERS,
  startSandbox,
  statusCounts,
  until,
  WHOLESALERS,
  type SandboxHandle,
} from './helpers.js';
import { metrcSubmissionWorkflowId } from '../../../contracts/ids.js';
import { submissionStateQuery } from '../../../contracts/metrc.js';

describe('METRC credential blips and lookup 429s', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let workers: RunningWorkers;
  let client: Client;
  let headers: Record<string, string>;
  const license = RETAILERS[1]!;

  beforeAll(async () => {
    sb = await startSandbox();
    deps = createDeps(metrcOverrides(sb.running.url, { METRC_AUTH_RETRY_WINDOW: '3s', METRC_KEY_PROBE_INTERVAL: '500ms' }));
    api = await startApi(deps);
    workers = await startWorkers(deps, { queues: ['compliance'] });
    client = await temporalClient(deps.config);
    headers = await adminHeaders(deps);
  });
  afterAll(async () => {
    await workers?.stop();
    await api?.close();
    await client?.connection.close();
    await closeDeps(deps);
    await sb?.running.close();
  });
  beforeEach(async () => {
    await fetch(`${sb.running.url}/__sandbox/reset`, { method: 'POST' });
  });

  const submitReceipts = async (n: number, tag: string) => {
    const pkgs = eachPackages(license);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await createSubmission(api.url, headers, 'sales_receipt', license, receiptPayload(pkgs[i % pkgs.length]!.label, `${tag}-${i}`))).id);
    return ids;
  };
  const openLetters = async (kind: string, subjects: string[]) => {
    const [rows] = await deps.sequelize.query("SELECT subject_id FROM dead_letters WHERE kind = ? AND status = 'open' AND subject_id IN (?)", { replacements: [kind, subjects] });
    return (rows as { subject_id: string }[]).length;
  };

  it('a blip shorter than the auth retry window: every submission succeeds in its first attempt, no dead letters', async () => {
    // Warm the path first (worker bundle, connections): on a loaded machine the first submissions
    // could otherwise reach the sandbox after a 1.5 s blip was already over and test nothing.
    const warm = await submitReceipts(1, `WARM-${Date.now().toString(36)}`);
    await until('the warm-up to succeed', async () => ((await statusCounts(deps, warm)).succeeded === 1 ? true : undefined), 60_000);
    await sb.faults({ authBlipSeconds: 1.5, authBlipStatus: 401 });
    const ids = await submitReceipts(5, `BLIP-${Date.now().toString(36)}`);
    await until('all to succeed', async () => ((await statusCounts(deps, ids)).succeeded === 5 ? true : undefined), 60_000);
    expect((await sb.state()).counters.faults.authBlip ?? 0).toBeGreaterThan(0);
    const [attempts] = await deps.sequelize.query('SELECT COUNT(*) AS n FROM metrc_submission_attempts WHERE submission_id IN (?)', { replacements: [ids] });
    expect(Number((attempts as { n: number }[])[0]!.n)).toBe(5);
    expect(await openLetters('metrc_submission', ids)).toBe(0);
    expect(Object.values((await sb.state()).receiptsByExternalNumber).every((n) => n === 1)).toBe(true);
  });

  it('a blip longer than the window parks the submissions with one alert for the license, then they go out', async () => {
    await sb.faults({ authBlipSeconds: 8, authBlipStatus: 403 });
    const tag = `LONG-${Date.now().toString(36)}`;
    const ids = await submitReceipts(4, tag);
    // Parked: waiting for a key, one open alert for the license and no dead letter each.
    await until('all to park', async () => {
      const states = await Promise.all(ids.map(async (id) => (await client.workflow.getHandle(metrcSubmissionWorkflowId(id)).query(submissionStateQuery)) as { state: string; waitingFor?: string }));
      return states.every((s) => s.state === 'waiting' && /working METRC key/.test(s.waitingFor ?? '')) ? states : undefined;
    }, 30_000);
    expect(await statusCounts(deps, ids)).toEqual({ parked: 4 });
    expect(await openLetters('metrc_credentials', [license])).toBe(1);
    expect(await openLetters('metrc_submission', ids)).toBe(0);
    const [reasons] = await deps.sequelize.query('SELECT failure_reason FROM metrc_submissions WHERE id IN (?)', { replacements: [ids] });
    for (const r of reasons as { failure_reason: string }[]) expect(r.failure_reason).toMatch(/^waiting for a working METRC key/);

    // The key works again: all go out, exactly once each, and the alert closes itself.
    await until('all to succeed', async () => ((await statusCounts(deps, ids)).succeeded === 4 ? true : undefined), 60_000);
    expect(await openLetters('metrc_credentials', [license])).toBe(0);
    const state = await sb.state();
    expect(Object.entries(state.receiptsByExternalNumber).filter(([k]) => k.startsWith(tag)).map(([, n]) => n)).toEqual([1, 1, 1, 1]);
    await recordHistories(deps.config, [{ file: `metrcSubmission-${GENERATION}-parked-then-sent`, workflowId: `metrc:${ids[0]}` }]);
  });

  it('a parked submission is listed as parked and can be discarded: its workflow ends, it never reaches METRC', async () => {
    await sb.faults({ authBlipSeconds: 120, authBlipStatus: 401 });
    const tag = `PARK-${Date.now().toString(36)}`;
    const [gone, kept] = await submitReceipts(2, tag);
    await until('both to park', async () => ((await statusCounts(deps, [gone!, kept!])).parked === 2 ? true : undefined), 30_000);
    const listed = await request(api.url, 'GET', `/metrc-submissions?status=parked&license_number=${license}&limit=100`, undefined, headers);
    expect(listed.status).toBe(200);
    expect((listed.body as { data: { id: string; status: string }[] }).data.filter((s) => s.id === gone || s.id === kept).map((s) => s.status)).toEqual(['parked', 'parked']);

    const r = await request(api.url, 'POST', `/metrc-submissions/${gone}/discard`, { reason: 'sale entered by hand in METRC' }, headers);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'discarded', discard_reason: 'sale entered by hand in METRC' });
    // The parked run ends cleanly with the discard, without waiting for the key.
    const result = await Promise.race([
      client.workflow.getHandle(metrcSubmissionWorkflowId(gone!)).result(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('the workflow did not end')), 15_000)),
    ]);
    expect(result).toEqual({ status: 'discarded', reason: 'sale entered by hand in METRC' });
    // Only failed or parked submissions can be discarded.
    expect((await request(api.url, 'POST', `/metrc-submissions/${gone}/discard`, { reason: 'again' }, headers)).status).toBe(409);

    // The key works again: the other one goes out, the discarded one never does.
    await sb.faults({});
    await until('the kept one to succeed', async () => ((await statusCounts(deps, [kept!])).succeeded === 1 ? true : undefined), 30_000);
    expect(await statusCounts(deps, [gone!])).toEqual({ discarded: 1 });
    const receipts = (await sb.state()).receiptsByExternalNumber;
    expect(receipts[`${tag}-0`]).toBeUndefined();
    expect(receipts[`${tag}-1`]).toBe(1);
    await recordHistories(deps.config, [{ file: `metrcSubmission-${GENERATION}-parked-then-discarded`, workflowId: `metrc:${gone}` }]);
  });

  it('a key that works but lacks the right for the write fails to a dead letter after the window, not parked', async () => {
    // A wholesaler may not record sales: METRC answers 401 although the key itself is fine.
    const wholesaler = WHOLESALERS[1]!;
    const { id } = await createSubmission(api.url, headers, 'sales_receipt', wholesaler, receiptPayload(eachPackages(wholesaler)[0]!.label));
    await until('failed', async () => ((await statusCounts(deps, [id])).failed === 1 ? true : undefined), 30_000);
    expect(await openLetters('metrc_submission', [id])).toBe(1);
    expect(await openLetters('metrc_credentials', [wholesaler])).toBe(0);
    const [rows] = await deps.sequelize.query('SELECT failure_reason FROM metrc_submissions WHERE id = ?', { replacements: [id] });
    expect((rows as { failure_reason: string }[])[0]!.failure_reason).toMatch(/METRC_UNAUTHORIZED: .*not permitted to record sales/);
  });

  it('a burst of 429s on lookups is waited out: no attempt fails on it', async () => {
    // An adjustment reads the adjust reasons and its package (two GETs) before it sends.
    await sb.faults({ rateLimitRate: 1, retryAfterSeconds: 0.2, methods: ['GET'], remaining: 4 });
    const wholesaler = WHOLESALERS[0]!;
    const { id } = await createSubmission(api.url, headers, 'package_adjustment', wholesaler, adjustmentPayload(eachPackages(wholesaler)[2]!.label, -1));
    await until('adjustment', async () => ((await statusCounts(deps, [id])).succeeded === 1 ? true : undefined), 30_000);
    expect((await sb.state()).counters.faults.rateLimit).toBe(4);
    const [rows] = await deps.sequelize.query('SELECT outcome FROM metrc_submission_attempts WHERE submission_id = ?', { replacements: [id] });
    expect((rows as { outcome: string }[]).map((r) => r.outcome)).toEqual(['succeeded']);
  });
});
