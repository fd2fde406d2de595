/**
 * The sweep's own write (issue 23): the counter-adjustment that repairs a doubled adjustment has
 * no idempotency key either. Here its answer is lost (held past the client's timeout) and METRC
 * commits it after the activity's retry has begun: the retry must not count "still doubled" and
 * send a second counter-adjustment (the package would end one short). It waits out the settle
 * window from the repair's send, then finds the late counter-adjustment by its tag, records it
 * as the repair, and sends nothing more.
 */
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepWorkflowId } from '../../../activities/metrcSweep.js';
import { identityTag } from '../../../domain/metrc/identity.js';
import { MetrcClient } from '../../../integrations/metrc/index.js';
import { temporalSettings } from '../../../temporal.config.js';
import { DEMO_PACKAGES, DEMO_USER_KEY, DEMO_VENDOR_KEY } from '../../../sandboxes/metrc/index.js';
import { adminHeaders } from '../../support/auth.js';
import { closeDeps, createDeps, startApi, startWorkers, temporalClient, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { adjustmentPayload, createSubmission, eachPackages, metrcOverrides, startSandbox, until, WHOLESALERS, type SandboxHandle } from './helpers.js';
import { WORKFLOW_TYPES } from '../../../contracts/workflowTypes.js';

describe('METRC sweep: a counter-adjustment whose answer was lost', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let workers: RunningWorkers;
  let client: Client;
  let headers: Record<string, string>;

  beforeAll(async () => {
    sb = await startSandbox();
    // The held repair commits 8 s after it arrived; the client gives up after 2 s and the sweep
    // activity's retry comes ~5 s later, before that commit. The 10 s window covers it.
    deps = createDeps(metrcOverrides(sb.running.url, { METRC_TIMEOUT: '2s', METRC_SETTLE_WINDOW: '10s', METRC_SWEEP_DELAYS: '1h' }));
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

  it('is waited for and adopted, never sent twice: the package ends exactly one adjustment down', async () => {
    const license = WHOLESALERS[0]!;
    const label = eachPackages(license)[4]!.label;
    const before = DEMO_PACKAGES.find((p) => p.label === label)!.quantity;
    const payload = adjustmentPayload(label, -1);
    const { id } = await createSubmission(api.url, headers, 'package_adjustment', license, payload);
    await until('sent', async () => {
      const [rows] = await deps.sequelize.query('SELECT status FROM metrc_submissions WHERE id = ?', { replacements: [id] });
      return (rows as { status: string }[])[0]?.status === 'succeeded' ? true : undefined;
    }, 30_000);
    // What a commit later than the submission's own window leaves: the adjustment twice.
    const metrc = new MetrcClient({ baseUrl: sb.running.url, vendorKey: DEMO_VENDOR_KEY, userKey: DEMO_USER_KEY, timeoutMs: 5000 });
    await metrc.adjustPackages(license, [{ ...payload, ReasonNote: identityTag(id) }]);
    expect(sb.sandbox.state.packages.get(label)!.Quantity).toBe(before - 2);
    // The sweep looks long after the submission's send (an hour in production).
    await deps.sequelize.query('UPDATE metrc_submissions SET last_sent_ms = ? WHERE id = ?', { replacements: [Date.now() - 3_600_000, id] });

    // The repair's answer is lost: held 8 s, the client gives up after 2.
    await sb.faults({ holdWriteRate: 1, holdWriteSeconds: 8, methods: ['POST'], pathPrefix: '/packages/v2/adjust', remaining: 1 });
    const sweep = await client.workflow.start(WORKFLOW_TYPES.metrcDuplicateSweep, {
      workflowId: `${sweepWorkflowId(id)}:test`,
      taskQueue: temporalSettings(deps.config).taskQueues.compliance,
      args: [{ submissionId: id, delaysMs: [10] }],
    });
    const results = (await sweep.result()) as { status: string; repairs: string[] }[];

    expect(results).toHaveLength(1);
    expect(results[0]!.status).toBe('repaired');
    expect(results[0]!.repairs).toEqual([`counter-adjustment of package ${label} found in METRC after its answer was lost`]);
    expect(sb.sandbox.state.packages.get(label)!.Quantity).toBe(before - 1);
    const [rows] = await deps.sequelize.query('SELECT duplicates_repaired, sweep_note FROM metrc_submissions WHERE id = ?', { replacements: [id] });
    expect(Number((rows as { duplicates_repaired: number }[])[0]!.duplicates_repaired)).toBe(1);
    // One counter-adjustment went out and was held; the retry waited and sent nothing.
    expect((await (await fetch(`${sb.running.url}/__sandbox/held-writes`)).json()) as unknown[]).toHaveLength(1);
  }, 90_000);
});
