/**
 * metrcTransfer end to end against the sandbox: an order's template is created, a user
 * registers the manifest in "METRC" (the sandbox admin route), the workflow matches it and
 * reports the manifest number; voiding it afterwards is caught as drift by the watcher.
 */
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalSettings } from '../../../temporal.config.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, temporalClient, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { eachPackages, metrcOverrides, orderOnSandboxLicenses, startSandbox, until, WHOLESALERS, type SandboxHandle } from './helpers.js';
import { metrcTransferWorkflowId, metrcWatchWorkflowId } from '../../../contracts/ids.js';
import { WORKFLOW_TYPES } from '../../../contracts/workflowTypes.js';

describe('metrcTransfer: template → manifest → matched → drift', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let workers: RunningWorkers;
  let client: Client;
  let headers: Record<string, string>;

  beforeAll(async () => {
    sb = await startSandbox();
    deps = createDeps(
      metrcOverrides(sb.running.url, {
        METRC_MANIFEST_POLL_INTERVAL: '300ms',
        METRC_MANIFEST_TIMEOUT: '60s',
        METRC_DRIFT_CHECK_INTERVAL: '300ms',
        METRC_DRIFT_WATCH: '60s',
      }),
    );
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

  it('creates the template, matches the manifest a user registers, and later sees it voided', async () => {
    const labels = eachPackages(WHOLESALERS[0]!).slice(10, 12).map((p) => p.label);
    const { orderId, orderNumber } = await orderOnSandboxLicenses(deps, labels);
    const settings = temporalSettings(deps.config);
    // No order workflow runs here: metrcStatus signals to `order:<id>` are dropped quietly.
    const handle = await client.workflow.start(WORKFLOW_TYPES.metrcTransfer, {
      workflowId: metrcTransferWorkflowId(orderId),
      taskQueue: settings.taskQueues.compliance,
      args: [{ orderId, retry: settings.defaultActivityRetry }],
    });

    const template = await until('the template in METRC', async () => {
      const t = [...sb.sandbox.state.templates.values()].find((x) => x.body.Name === orderNumber);
      return t;
    });
    expect(template.licenseNumber).toBe(WHOLESALERS[0]);
    expect(template.body.Destinations[0]!.Packages.map((p) => p.PackageLabel)).toEqual(labels);

    // The submission is visible to compliance staff as a transfer_template for the order.
    const subs = await request(api.url, 'GET', `/metrc-submissions?order_id=${orderId}`, undefined, headers);
    expect(subs.body.data).toHaveLength(1);
    expect(subs.body.data[0]).toMatchObject({ kind: 'transfer_template', natural_key: `template:${orderNumber}`, metrc_ids: [template.Id] });

    // A METRC user registers the manifest from the template.
    await until('the workflow to poll for the manifest', async () => {
      const d = await handle.describe();
      return d.raw.pendingActivities?.length || d.status.name === 'RUNNING' ? true : undefined;
    });
    const reg = await fetch(`${sb.running.url}/__sandbox/templates/${template.Id}/register-manifest`, { method: 'POST' });
    expect(reg.status).toBe(201);
    const manifest = (await reg.json()) as { Id: number; ManifestNumber: string };

    const result = await handle.result();
    expect(result).toEqual({ status: 'matched', manifestNumber: manifest.ManifestNumber, templateId: template.Id });

    // Voided in METRC afterwards: the watcher reports drift (to the order, when one is listening).
    await fetch(`${sb.running.url}/__sandbox/transfers/${manifest.Id}/void`, { method: 'POST' });
    const watch = await client.workflow.getHandle(metrcWatchWorkflowId(orderId)).result();
    expect(watch.drift).toBe(true);
    expect(watch.detail).toContain('voided');

    // Only one template was ever created for the order.
    expect((await sb.state()).templatesByName[orderNumber]).toBe(1);
  });
});
