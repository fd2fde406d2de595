/**
 * Bounded chaos (issue 23, CI-sized): 500 mixed submissions (receipts, templates, adjustments)
 * under 5xx, 429, commit-then-drop, writes held past the client's timeout and committed late, and
 * a credential blip. Every submission ends succeeded, or failed with its reason and an open dead
 * letter; METRC never holds two records for one submission (voided and archived ones counted
 * too, and the sweep never had anything to repair); once the faults stop, a bulk retry brings
 * the rest home and every submission has exactly one record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityTag } from '../../../domain/metrc/identity.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
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

interface Job {
  kind: 'sales_receipt' | 'transfer_template' | 'package_adjustment';
  license: string;
  payload: Record<string, unknown>;
  id?: string;
}

describe('METRC chaos: 500 submissions under mixed faults', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let workers: RunningWorkers;
  let headers: Record<string, string>;

  beforeAll(async () => {
    sb = await startSandbox();
    deps = createDeps(
      metrcOverrides(sb.running.url, {
        METRC_TIMEOUT: '1s',
        METRC_SETTLE_WINDOW: '3s',
        METRC_SETTLE_CHECK_INTERVAL: '200ms',
        METRC_AUTH_RETRY_WINDOW: '4s',
        METRC_SWEEP_DELAYS: '2s,6s',
      }),
    );
    api = await startApi(deps);
    workers = await startWorkers(deps, { queues: ['compliance'] });
    headers = await adminHeaders(deps);
  });
  afterAll(async () => {
    await workers?.stop();
    await api?.close();
    await closeDeps(deps);
    await sb?.running.close();
  });

  /** Records METRC holds for a job, live or not: more than one is a duplicate, repaired or not. */
  const records = (j: Job) => {
    const st = sb.sandbox.state;
    if (j.kind === 'sales_receipt') return [...st.receipts.values()].filter((r) => r.ExternalReceiptNumber === j.payload.ExternalReceiptNumber).length;
    if (j.kind === 'transfer_template') return [...st.templates.values()].filter((t) => t.body.Name === j.payload.Name).length;
    return st.adjustments.filter((a) => (a.AdjustmentNote ?? '').includes(identityTag(j.id!))).length;
  };

  it('0 duplicates, 0 missing, every submission succeeded or failed with its reason', async () => {
    const tag = Date.now().toString(36).toUpperCase();
    const jobs: Job[] = [];
    for (let i = 0; i < 300; i++) {
      const license = RETAILERS[i % 3]!;
      const pkgs = eachPackages(license);
      jobs.push({ kind: 'sales_receipt', license, payload: receiptPayload(pkgs[Math.floor(i / 3) % pkgs.length]!.label, `C-${tag}-${i}`) });
    }
    const shipper = WHOLESALERS[0]!;
    for (let i = 0; i < 100; i++) {
      const pkgs = eachPackages(shipper);
      jobs.push({ kind: 'transfer_template', license: shipper, payload: templatePayload(`CT-${tag}-${i}`, RETAILERS[i % 3]!, [pkgs[i % pkgs.length]!.label]) });
    }
    const adjusted = eachPackages(WHOLESALERS[1]!);
    for (let i = 0; i < 100; i++) jobs.push({ kind: 'package_adjustment', license: WHOLESALERS[1]!, payload: adjustmentPayload(adjusted[i % adjusted.length]!.label, -1) });

    // Faults for the whole run; a credential blip right at the start.
    await sb.faults({
      errorRate: 0.08,
      rateLimitRate: 0.05,
      retryAfterSeconds: 0.3,
      dropResponseRate: 0.04,
      holdWriteRate: 0.04,
      holdWriteSeconds: 2,
      authBlipSeconds: 2,
    });
    for (const j of jobs) j.id = (await createSubmission(api.url, headers, j.kind, j.license, j.payload)).id;
    const ids = jobs.map((j) => j.id!);

    const settled = await until('all 500 to settle', async () => {
      const c = await statusCounts(deps, ids);
      return (c.succeeded ?? 0) + (c.failed ?? 0) === jobs.length ? c : undefined;
    }, 300_000, 1000);
    const faults = (await sb.state()).counters.faults;
    // The mix really happened.
    for (const k of ['error', 'rateLimit', 'dropResponse', 'holdWrite', 'authBlip']) expect(faults[k] ?? 0, k).toBeGreaterThan(0);

    // Let held writes commit, then count.
    await until('held writes released', async () => sb.sandbox.faults.heldWrites.every((w) => w.releasedAt !== null), 10_000, 200);
    const [rows] = await deps.sequelize.query('SELECT id, status, failure_reason FROM metrc_submissions WHERE id IN (?)', { replacements: [ids] });
    const byId = new Map((rows as { id: string; status: string; failure_reason: string | null }[]).map((r) => [r.id, r]));
    let duplicates = 0;
    let missing = 0;
    for (const j of jobs) {
      const n = records(j);
      if (n > 1) duplicates++;
      const r = byId.get(j.id!)!;
      if (r.status === 'succeeded' && n !== 1) missing++;
      if (r.status === 'failed') expect(r.failure_reason, j.id).toMatch(/^[A-Za-z_]+: /);
    }
    expect({ duplicates, missing }).toEqual({ duplicates: 0, missing: 0 });
    const failedIds = ids.filter((id) => byId.get(id)!.status === 'failed');
    if (failedIds.length) {
      const [open] = await deps.sequelize.query("SELECT COUNT(*) AS n FROM dead_letters WHERE status = 'open' AND kind = 'metrc_submission' AND subject_id IN (?)", { replacements: [failedIds] });
      expect(Number((open as { n: number }[])[0]!.n)).toBe(failedIds.length);
    }
    console.log(`chaos: ${JSON.stringify(settled)}; faults ${JSON.stringify(faults)}`);

    // Faults over: a bulk retry finishes the failed ones; everything has exactly one record.
    await sb.faults({});
    if (failedIds.length) {
      const bulk = await request(api.url, 'POST', '/metrc-submissions/bulk-retry', { ids: failedIds }, headers);
      expect(bulk.status).toBe(200);
    }
    await until('all 500 to succeed', async () => ((await statusCounts(deps, ids)).succeeded === jobs.length ? true : undefined), 180_000, 1000);
    expect(jobs.filter((j) => records(j) !== 1).map((j) => `${j.kind} ${j.id}: ${records(j)}`)).toEqual([]);
    for (const p of adjusted) {
      const n = jobs.filter((j) => j.kind === 'package_adjustment' && j.payload.Label === p.label).length;
      expect(sb.sandbox.state.packages.get(p.label)!.Quantity, p.label).toBe(p.quantity - n);
    }
    const [[repaired]] = (await deps.sequelize.query('SELECT COALESCE(SUM(duplicates_repaired), 0) AS n FROM metrc_submissions WHERE id IN (?)', { replacements: [ids] })) as unknown as [[{ n: number }]];
    expect(Number(repaired.n)).toBe(0);
  }, 600_000);
});
