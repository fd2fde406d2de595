/**
 * The duplicate sweep (issue 23): a submission whose first answer was lost (the write committed,
 * the connection was cut) is adopted by its next attempt, and a sweep is scheduled. A duplicate
 * planted directly in the sandbox afterwards — what a commit later than the settle window would
 * leave — is found by the submission's identity and repaired (receipt voided, template archived,
 * adjustment counter-adjusted), audited and shown on the submission.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { identityTag } from '../../../domain/metrc/identity.js';
import { MetrcClient } from '../../../integrations/metrc/index.js';
import { DEMO_PACKAGES, DEMO_USER_KEY, DEMO_VENDOR_KEY } from '../../../sandboxes/metrc/index.js';
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
  templatePayload,
  until,
  WHOLESALERS,
  type SandboxHandle,
} from './helpers.js';

describe('METRC duplicate sweep', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let workers: RunningWorkers;
  let headers: Record<string, string>;
  let metrc: MetrcClient;

  beforeAll(async () => {
    sb = await startSandbox();
    deps = createDeps(metrcOverrides(sb.running.url, { METRC_SWEEP_DELAYS: '2s,3s' }));
    api = await startApi(deps);
    workers = await startWorkers(deps, { queues: ['compliance'] });
    headers = await adminHeaders(deps);
    metrc = new MetrcClient({ baseUrl: sb.running.url, vendorKey: DEMO_VENDOR_KEY, userKey: DEMO_USER_KEY, timeoutMs: 5000 });
  });
  afterAll(async () => {
    await workers?.stop();
    await api?.close();
    await closeDeps(deps);
    await sb?.running.close();
  });
  beforeEach(async () => {
    await fetch(`${sb.running.url}/__sandbox/reset`, { method: 'POST' });
  });

  const row = async (id: string) => {
    const [rows] = await deps.sequelize.query('SELECT status, reconciled, had_ambiguous, duplicates_repaired, sweep_note FROM metrc_submissions WHERE id = ?', { replacements: [id] });
    return (rows as { status: string; reconciled: number; had_ambiguous: number; duplicates_repaired: number; sweep_note: string | null }[])[0]!;
  };

  const read = (id: string) => request(api.url, 'GET', `/metrc-submissions/${id}`, undefined, headers) as Promise<{ status: number; body: Record<string, unknown> }>;

  /** First answer dropped (committed), adopted by the next attempt; then `plant` adds a duplicate. */
  async function scenario(kind: string, license: string, path: string, payload: Record<string, unknown>, plant: (id: string) => Promise<unknown>) {
    await sb.faults({ dropResponseRate: 1, methods: ['POST'], pathPrefix: path, remaining: 1 });
    const { id } = await createSubmission(api.url, headers, kind, license, payload);
    await until('adopted', async () => ((await row(id)).status === 'succeeded' ? true : undefined), 30_000);
    expect(await row(id)).toMatchObject({ reconciled: 1, had_ambiguous: 1, duplicates_repaired: 0 });
    // Compliance staff see the lost answer over the API before anything was repaired.
    expect((await read(id)).body).toMatchObject({ had_ambiguous_attempt: true, duplicates_repaired: 0, sweep_note: null });
    await plant(id);
    const done = await until('the sweep to repair', async () => {
      const r = await row(id);
      return Number(r.duplicates_repaired) > 0 ? r : undefined;
    }, 30_000);
    expect(Number(done.duplicates_repaired)).toBe(1);
    expect(done.sweep_note).toMatch(/^duplicate found and repaired: /);
    const [audit] = await deps.sequelize.query("SELECT summary FROM audit_log WHERE target_id = ? AND action = 'metrc_submission.duplicate_repaired'", { replacements: [id] });
    expect(audit).toHaveLength(1);
    // Compliance staff are alerted: one open letter naming the submission and what was done.
    const [letters] = await deps.sequelize.query("SELECT workflow_id, error FROM dead_letters WHERE kind = 'metrc_duplicate_repaired' AND subject_id = ? AND status = 'open'", { replacements: [id] });
    expect(letters).toHaveLength(1);
    expect((letters as { workflow_id: string | null }[])[0]!.workflow_id).toBeNull();
    // ...and the repair itself, on the submission and in the list (the API validates its answers
    // against the spec in tests, so the fields are also checked against the schema).
    const one = await read(id);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ had_ambiguous_attempt: true, duplicates_repaired: 1, sweep_note: done.sweep_note });
    const list = await request(api.url, 'GET', `/metrc-submissions?license_number=${license}&kind=${kind}&limit=100`, undefined, headers);
    const listed = (list.body as { data: { id: string }[] }).data.find((s) => s.id === id);
    expect(listed).toMatchObject({ had_ambiguous_attempt: true, duplicates_repaired: 1, sweep_note: done.sweep_note });
    return { id, note: done.sweep_note! };
  }

  it('sales_receipt: the planted second receipt is voided, ours stays', async () => {
    const license = RETAILERS[2]!;
    const payload = receiptPayload(eachPackages(license)[0]!.label);
    const { note } = await scenario('sales_receipt', license, '/sales/v2/receipts', payload, () => metrc.createReceipts(license, [payload as never]));
    expect(note).toMatch(/voided duplicate receipt \d+/);
    expect((await sb.state()).receiptsByExternalNumber[payload.ExternalReceiptNumber]).toBe(1);
  });

  it('transfer_template: the planted second template is archived', async () => {
    const license = WHOLESALERS[0]!;
    const payload = templatePayload(`SWEEP-${Date.now().toString(36)}`, RETAILERS[0]!, [eachPackages(license)[1]!.label]);
    const { note } = await scenario('transfer_template', license, '/transfers/v2/templates/outgoing', payload, () => metrc.createOutgoingTemplates(license, [payload as never]));
    expect(note).toMatch(/archived duplicate transfer template \d+/);
    expect((await sb.state()).templatesByName[payload.Name]).toBe(1);
  });

  it('package_adjustment: a doubled adjustment is counter-adjusted back to one', async () => {
    const license = WHOLESALERS[1]!;
    const label = eachPackages(license)[3]!.label;
    const before = DEMO_PACKAGES.find((p) => p.label === label)!.quantity;
    const payload = adjustmentPayload(label, -1);
    const { id, note } = await scenario('package_adjustment', license, '/packages/v2/adjust', payload, (subId) =>
      metrc.adjustPackages(license, [{ ...payload, ReasonNote: identityTag(subId) }]),
    );
    expect(note).toMatch(new RegExp(`counter-adjusted package ${label} by 1`));
    expect(sb.sandbox.state.packages.get(label)!.Quantity).toBe(before - 1);
    // A later round finds the repair and does not repair again.
    await new Promise((r) => setTimeout(r, 3500));
    expect(sb.sandbox.state.packages.get(label)!.Quantity).toBe(before - 1);
    expect(Number((await row(id)).duplicates_repaired)).toBe(1);
  });
});
