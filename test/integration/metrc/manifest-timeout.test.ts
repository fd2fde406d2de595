/**
 * The transfer's manifest looks back off (issue 14.9) but still end at the configured timeout:
 * with a 10-minute ceiling and a 5 s timeout, the looks come at 0 and 2 s and once more as the
 * time runs out, then the transfer fails with a metrc_manifest_timeout dead letter — after
 * seconds, not after the ceiling (before 14.9 the loop looked once and gave up, since one
 * 10-minute sleep would have passed the deadline).
 */
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalSettings } from '../../../temporal.config.js';
import { closeDeps, createDeps, startWorkers, temporalClient, type RunningWorkers } from '../../support/harness.js';
import { eachPackages, metrcOverrides, orderOnSandboxLicenses, startSandbox, WHOLESALERS, type SandboxHandle } from './helpers.js';
import { metrcTransferWorkflowId } from '../../../contracts/ids.js';
import { WORKFLOW_TYPES } from '../../../contracts/workflowTypes.js';

describe('metrcTransfer: backed-off looks end at the manifest timeout', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let workers: RunningWorkers;
  let client: Client;

  beforeAll(async () => {
    sb = await startSandbox();
    deps = createDeps(metrcOverrides(sb.running.url, { METRC_MANIFEST_POLL_INTERVAL: '10m', METRC_MANIFEST_TIMEOUT: '5s', METRC_DRIFT_WATCH: '0' }));
    workers = await startWorkers(deps, { queues: ['compliance'] });
    client = await temporalClient(deps.config);
  });
  afterAll(async () => {
    await workers?.stop();
    await client?.connection.close();
    await closeDeps(deps);
    await sb?.running.close();
  });

  it('looks at 0 s, 2 s and at the deadline, then dead-letters the missing manifest', async () => {
    const labels = eachPackages(WHOLESALERS[0]!).slice(14, 15).map((p) => p.label);
    const { orderId } = await orderOnSandboxLicenses(deps, labels);
    const settings = temporalSettings(deps.config);
    const workflowId = metrcTransferWorkflowId(orderId);
    const started = Date.now();
    const handle = await client.workflow.start(WORKFLOW_TYPES.metrcTransfer, {
      workflowId,
      taskQueue: settings.taskQueues.compliance,
      args: [{ orderId, retry: settings.defaultActivityRetry }],
    });
    const result = (await handle.result()) as { status: string; reason: string };
    expect(result).toEqual({ status: 'failed', reason: expect.stringMatching(/^no manifest registered for template \d+ within 5 s$/) });
    expect(Date.now() - started).toBeLessThan(30_000);

    // When each look was scheduled, from the workflow's history (seconds may be a Long).
    const looks = ((await handle.fetchHistory()).events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'findMetrcManifest')
      .map((e) => Number(String(e.eventTime?.seconds ?? 0)) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6));
    expect(looks).toHaveLength(3);
    const gaps = looks.slice(1).map((t, i) => t - looks[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(2_000); // the first backoff step
    expect(gaps[0]).toBeLessThan(3_500);

    const [letters] = await deps.sequelize.query("SELECT kind, status, error FROM dead_letters WHERE workflow_id = ? AND kind = 'metrc_manifest_timeout'", { replacements: [workflowId] });
    expect(letters).toHaveLength(1);
    expect(letters).toMatchObject([{ status: 'open' }]);
  });
});
