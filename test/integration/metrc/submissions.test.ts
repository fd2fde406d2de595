/**
 * The submission workflow against the METRC sandbox: validation failures dead-letter at once
 * and succeed after a corrected retry, discard ends the workflow, and 200 submissions through
 * heavy fault injection all end succeeded or failed-with-reason with zero duplicates in METRC.
 */
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PACKAGES } from '../../../sandboxes/metrc/index.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
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
  templatePayload,
  until,
  WHOLESALERS,
  type SandboxHandle,
} from './helpers.js';
import { metrcSubmissionWorkflowId } from '../../../contracts/ids.js';

describe('METRC submissions through the sandbox', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let workers: RunningWorkers;
  let client: Client;
  let headers: Record<string, string>;
  const get = (id: string) => request(api.url, 'GET', `/metrc-submissions/${id}`, undefined, headers);
  const settled = (id: string, statuses = ['succeeded', 'failed', 'discarded']) =>
    until(`submission ${id} to settle`, async () => {
      const r = await get(id);
      return statuses.includes(r.body.status) ? r.body : undefined;
    });

  beforeAll(async () => {
    sb = await startSandbox();
    deps = createDeps(metrcOverrides(sb.running.url));
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

  it('a METRC validation failure fails at once with METRC row messages, then succeeds when retried with a corrected payload', async () => {
    const retailer = RETAILERS[0]!;
    // A wholesaler's package is "not available" to a retailer: METRC answers 400 with a row message.
    const foreign = eachPackages(WHOLESALERS[0]!)[0]!.label;
    const bad = receiptPayload(foreign);
    const created = await createSubmission(api.url, headers, 'sales_receipt', retailer, bad);
    const failed = await settled(created.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toContain(`Package ${foreign} is not available.`);
    expect(failed.attempts).toHaveLength(1); // non-retryable: no second attempt
    expect(failed.attempts[0]).toMatchObject({ outcome: 'failed', error_type: 'MetrcValidationError', http_status: 400, ambiguous: false });
    expect(failed.attempts[0].row_messages).toEqual([{ row: 0, message: `Package ${foreign} is not available.` }]);

    const letters = await request(api.url, 'GET', '/dead-letters?status=open&kind=metrc_submission', undefined, headers);
    const letter = letters.body.data.find((d: { subject_id: string }) => d.subject_id === created.id);
    expect(letter).toMatchObject({ queue: 'compliance', workflow_id: `metrc:${created.id}`, attempts: 1 });

    // A corrected payload that breaks the schema is refused with details, and nothing changes.
    const invalid = await request(api.url, 'POST', `/metrc-submissions/${created.id}/retry`, { payload: { ...bad, Transactions: [] } }, headers);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('VALIDATION_ERROR');
    expect(invalid.body.error.details.issues).toEqual([{ field: 'payload.Transactions', issue: 'must have at least 1 item' }]);
    expect((await get(created.id)).body.status).toBe('failed');

    const own = eachPackages(retailer)[0]!.label;
    const fixed = { ...bad, Transactions: [{ ...bad.Transactions[0]!, PackageLabel: own }] };
    const retried = await request(api.url, 'POST', `/metrc-submissions/${created.id}/retry`, { payload: fixed }, headers);
    expect(retried.status).toBe(202);
    const done = await settled(created.id, ['succeeded']);
    expect(done.round).toBe(2);
    expect(done.payload.Transactions[0].PackageLabel).toBe(own);
    expect(done.metrc_ids).toHaveLength(1);
    expect(done.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'succeeded']);

    const state = await sb.state();
    expect(state.receiptsByExternalNumber[bad.ExternalReceiptNumber]).toBe(1);
    expect((await request(api.url, 'GET', `/dead-letters/${letter.id}`, undefined, headers)).body.status).toBe('retried');
    // A second retry of a succeeded submission is refused.
    expect((await request(api.url, 'POST', `/metrc-submissions/${created.id}/retry`, {}, headers)).status).toBe(409);
  });

  it('discard stops the workflow and closes the dead letter', async () => {
    const license = WHOLESALERS[0]!;
    const label = eachPackages(license)[1]!.label;
    const created = await createSubmission(api.url, headers, 'package_adjustment', license, adjustmentPayload(label, -1, 'Theft'));
    const failed = await settled(created.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toContain('A reason note is required');

    const noReason = await request(api.url, 'POST', `/metrc-submissions/${created.id}/discard`, {}, headers);
    expect(noReason.status).toBe(400);
    const discarded = await request(api.url, 'POST', `/metrc-submissions/${created.id}/discard`, { reason: 'entered by mistake' }, headers);
    expect(discarded.status).toBe(200);
    expect(discarded.body).toMatchObject({ status: 'discarded', discard_reason: 'entered by mistake' });

    const result = await client.workflow.getHandle(metrcSubmissionWorkflowId(created.id)).result();
    expect(result).toEqual({ status: 'discarded', reason: 'entered by mistake' });
    const letters = await request(api.url, 'GET', '/dead-letters?kind=metrc_submission&status=discarded', undefined, headers);
    expect(letters.body.data.some((d: { subject_id: string; resolution_note: string }) => d.subject_id === created.id && d.resolution_note === 'entered by mistake')).toBe(true);
    const [audit] = await deps.sequelize.query("SELECT action FROM audit_log WHERE target_id = ? ORDER BY created_at", { replacements: [created.id] });
    expect((audit as { action: string }[]).map((a) => a.action)).toEqual(['metrc_submission.created', 'metrc_submission.discarded']);
    // Retrying a discarded submission is a 409, and METRC never saw the adjustment.
    expect((await request(api.url, 'POST', `/metrc-submissions/${created.id}/retry`, {}, headers)).status).toBe(409);
    expect(sb.sandbox.state.packages.get(label)!.Quantity).toBe(DEMO_PACKAGES.find((p) => p.label === label)!.quantity);
  });

  it('refuses malformed and duplicate submissions before anything is sent', async () => {
    const bad = await request(api.url, 'POST', '/metrc-submissions', { kind: 'sales_receipt', license_number: RETAILERS[0], payload: { SalesDateTime: '2026-03-01T14:05:00Z' } }, headers);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: { field: string }) => i.field)).toEqual(
      expect.arrayContaining(['payload.SalesDateTime', 'payload.ExternalReceiptNumber', 'payload.Transactions']),
    );
    const p = receiptPayload(eachPackages(RETAILERS[0]!)[2]!.label);
    const first = await createSubmission(api.url, headers, 'sales_receipt', RETAILERS[0]!, p);
    const dup = await request(api.url, 'POST', '/metrc-submissions', { kind: 'sales_receipt', license_number: RETAILERS[0], payload: p }, headers);
    expect(dup.status).toBe(409);
    expect(dup.body.error.details.existing_id).toBe(first.id);
    expect((await settled(first.id)).status).toBe('succeeded');
  });

  it('200 submissions with 30% 5xx, 10% 429 and 5% dropped responses: all settle, zero duplicates, bulk retry finishes the rest', async () => {
    await sb.faults({ errorRate: 0.3, rateLimitRate: 0.1, dropResponseRate: 0.05, retryAfterSeconds: 1 });
    const tag = Date.now().toString(36).toUpperCase();
    const jobs: { kind: string; license: string; payload: Record<string, unknown>; key: string }[] = [];
    let n = 0;
    for (const license of RETAILERS) {
      const pkgs = eachPackages(license);
      for (let i = 0; i < 50; i++) {
        const p = receiptPayload(pkgs[i % pkgs.length]!.label, `R-${tag}-${n++}`);
        jobs.push({ kind: 'sales_receipt', license, payload: p, key: p.ExternalReceiptNumber });
      }
    }
    for (let i = 0; i < 30; i++) {
      const license = WHOLESALERS[i % 2]!;
      const pkgs = eachPackages(license);
      const name = `T-${tag}-${i}`;
      jobs.push({ kind: 'transfer_template', license, payload: templatePayload(name, RETAILERS[i % 3]!, [pkgs[i % pkgs.length]!.label]), key: name });
    }
    const adjusted = eachPackages(WHOLESALERS[1]!).slice(0, 20);
    for (const p of adjusted) jobs.push({ kind: 'package_adjustment', license: WHOLESALERS[1]!, payload: adjustmentPayload(p.label, -1), key: p.label });
    expect(jobs).toHaveLength(200);

    const ids: string[] = [];
    for (const j of jobs) ids.push((await createSubmission(api.url, headers, j.kind, j.license, j.payload)).id);

    await until('all 200 to settle', async () => {
      const c = await statusCounts(deps, ids);
      return (c.succeeded ?? 0) + (c.failed ?? 0) === 200 ? c : undefined;
    }, 240_000, 500);

    const checkNoDuplicates = async (allSucceeded: boolean) => {
      const state = await sb.state();
      for (const j of jobs) {
        if (j.kind === 'sales_receipt') expect(state.receiptsByExternalNumber[j.key] ?? 0).toBeLessThanOrEqual(1);
        if (j.kind === 'transfer_template') expect(state.templatesByName[j.key] ?? 0).toBeLessThanOrEqual(1);
      }
      for (const p of adjusted) {
        const q = sb.sandbox.state.packages.get(p.label)!.Quantity;
        expect([p.quantity, p.quantity - 1]).toContain(q);
      }
      const [rows] = await deps.sequelize.query('SELECT id, kind, status, payload FROM metrc_submissions WHERE id IN (?)', { replacements: [ids] });
      for (const r of rows as { kind: string; status: string; payload: string }[]) {
        if (r.status !== 'succeeded') continue;
        const p = JSON.parse(r.payload) as Record<string, string>;
        if (r.kind === 'sales_receipt') expect(state.receiptsByExternalNumber[p.ExternalReceiptNumber!]).toBe(1);
        if (r.kind === 'transfer_template') expect(state.templatesByName[p.Name!]).toBe(1);
        if (r.kind === 'package_adjustment') expect(sb.sandbox.state.packages.get(p.Label!)!.Quantity).toBe(adjusted.find((a) => a.label === p.Label)!.quantity - 1);
      }
      if (allSucceeded) {
        expect(jobs.filter((j) => j.kind === 'sales_receipt' && state.receiptsByExternalNumber[j.key] === 1)).toHaveLength(150);
        expect(jobs.filter((j) => j.kind === 'transfer_template').every((j) => state.templatesByName[j.key] === 1)).toBe(true);
      }
      // Our own pacing kept us under the sandbox's real GET limits (injected 429s are faults, not these).
      expect(state.counters.rateLimited).toBe(0);
      return state;
    };

    const state = await checkNoDuplicates(false);
    expect(state.counters.faults.error ?? 0).toBeGreaterThan(20);
    expect(state.counters.faults.dropResponse ?? 0).toBeGreaterThan(0);

    // Every failure carries METRC's reason and an open dead letter.
    const [failedRows] = await deps.sequelize.query("SELECT id, failure_reason FROM metrc_submissions WHERE id IN (?) AND status = 'failed'", { replacements: [ids] });
    const failed = failedRows as { id: string; failure_reason: string | null }[];
    for (const f of failed) expect(f.failure_reason).toMatch(/^METRC_|^[A-Z_]+: /);
    if (failed.length) {
      const [open] = await deps.sequelize.query("SELECT COUNT(*) AS n FROM dead_letters WHERE status = 'open' AND kind = 'metrc_submission' AND subject_id IN (?)", { replacements: [failed.map((f) => f.id)] });
      expect(Number((open as { n: number }[])[0]!.n)).toBe(failed.length);
    }
    // Reconciliation adopted records whose answers were dropped instead of posting them again.
    const [reconciled] = await deps.sequelize.query('SELECT COUNT(*) AS n FROM metrc_submissions WHERE id IN (?) AND reconciled = 1', { replacements: [ids] });
    expect(Number((reconciled as { n: number }[])[0]!.n)).toBeGreaterThan(0);

    // Faults over: bulk retry (dry run first) brings every failed one home without duplicates.
    await sb.faults({});
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const dry = await request(api.url, 'POST', '/metrc-submissions/bulk-retry', { ids, dry_run: true }, headers);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, matched: failed.length, retried: 0 });
    const bulk = await request(api.url, 'POST', '/metrc-submissions/bulk-retry', { filter: { from: since } }, headers);
    expect(bulk.status).toBe(200);
    expect(bulk.body.retried).toBeGreaterThanOrEqual(failed.length);
    await until('all 200 to succeed', async () => {
      const c = await statusCounts(deps, ids);
      return c.succeeded === 200 ? c : undefined;
    }, 120_000, 500);
    await checkNoDuplicates(true);

    const list = await request(api.url, 'GET', `/metrc-submissions?kind=sales_receipt&license_number=${RETAILERS[0]}&limit=5`, undefined, headers);
    expect(list.status).toBe(200);
    expect(list.body.pagination.total).toBeGreaterThanOrEqual(50);
    expect(list.body.data[0]).not.toHaveProperty('payload');
  }, 420_000);
});
