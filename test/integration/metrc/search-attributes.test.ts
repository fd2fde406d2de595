/**
 * Issue 14.7: every METRC workflow carries MetrcSubmissionId, MetrcSubmissionKind and
 * MetrcLicense, so staff find a licence's (or a submission's) workflows through
 * GET /workflows?attribute=… . Submissions started over the API, and the duplicate sweep an
 * ambiguous answer starts, are listed under their licence and under nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { adjustmentPayload, createSubmission, eachPackages, metrcOverrides, receiptPayload, RETAILERS, startSandbox, until, WHOLESALERS, type SandboxHandle } from './helpers.js';

interface Listed { workflow_id: string; type: string; start_time: string; search_attributes: Record<string, string> }

describe('METRC search attributes', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let workers: RunningWorkers;
  let headers: Record<string, string>;

  beforeAll(async () => {
    sb = await startSandbox();
    deps = createDeps(metrcOverrides(sb.running.url, { METRC_SWEEP_DELAYS: '1s' }));
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

  /** Workflows listed for the filters, started since `since` (earlier test files use the same licences). */
  const listed = async (since: number, ...attributes: string[]): Promise<Listed[]> => {
    const qs = attributes.map((a) => `attribute=${encodeURIComponent(a)}`).join('&');
    const r = await request(api.url, 'GET', `/workflows?${qs}&limit=100`, undefined, headers);
    expect(r.status).toBe(200);
    return (r.body.data as Listed[]).filter((w) => Date.parse(w.start_time) >= since);
  };
  // By workflow id: the sweep may run more than once for a submission (one run at a time).
  const ids = (ws: Listed[]) => [...new Set(ws.map((w) => w.workflow_id))].sort();

  it('submissions and their duplicate sweep are found by licence, submission and kind', async () => {
    const since = Date.now() - 1000;
    const wholesaler = WHOLESALERS[1]!;
    const retailer = RETAILERS[1]!;
    const [p1, p2] = eachPackages(wholesaler);
    // The first adjustment's answer is lost after METRC committed it: the next attempt adopts the
    // record and a duplicate sweep starts, a METRC workflow of its own.
    await sb.faults({ dropResponseRate: 1, methods: ['POST'], pathPrefix: '/packages/v2/adjust', remaining: 1 });
    const a1 = await createSubmission(api.url, headers, 'package_adjustment', wholesaler, adjustmentPayload(p1!.label, -1));
    // Adopted before the next one is sent, so the dropped answer is a1's.
    await until('a1 to be adopted', async () => {
      const r = await request(api.url, 'GET', `/metrc-submissions/${a1.id}`, undefined, headers);
      return r.body.status === 'succeeded' && r.body.had_ambiguous_attempt === true ? true : undefined;
    }, 30_000);
    const a2 = await createSubmission(api.url, headers, 'package_adjustment', wholesaler, adjustmentPayload(p2!.label, -1));
    const receipt = await createSubmission(api.url, headers, 'sales_receipt', retailer, receiptPayload(eachPackages(retailer)[0]!.label));

    const expected = [`metrc-sweep:${a1.id}`, `metrc:${a1.id}`, `metrc:${a2.id}`].sort();
    // Visibility is eventually consistent: poll until the list holds what was started.
    const byLicense = await until('the licence’s workflows to be listed', async () => {
      const ws = await listed(since, `MetrcLicense=${wholesaler}`);
      return ids(ws).length >= expected.length ? ws : undefined;
    }, 30_000);
    expect(ids(byLicense)).toEqual(expected);
    for (const w of byLicense) {
      const sub = w.workflow_id.endsWith(a1.id) ? a1.id : a2.id;
      expect(w.search_attributes).toMatchObject({ MetrcLicense: wholesaler, MetrcSubmissionKind: 'package_adjustment', MetrcSubmissionId: sub });
    }
    expect(byLicense.find((w) => w.workflow_id === `metrc-sweep:${a1.id}`)?.type).toBe('metrcDuplicateSweep');

    expect(ids(await listed(since, `MetrcSubmissionId=${a1.id}`))).toEqual([`metrc-sweep:${a1.id}`, `metrc:${a1.id}`]);
    const receipts = await until('the receipt’s workflow to be listed', async () => {
      const ws = await listed(since, `MetrcLicense=${retailer}`, 'MetrcSubmissionKind=sales_receipt');
      return ws.length ? ws : undefined;
    }, 30_000);
    expect(ids(receipts)).toEqual([`metrc:${receipt.id}`]);
    expect(await listed(since, `MetrcLicense=${wholesaler}`, 'MetrcSubmissionKind=sales_receipt')).toEqual([]);
  });
});
