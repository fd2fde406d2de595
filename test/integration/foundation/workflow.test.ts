import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalSettings } from '../../../temporal.config.js';
import { systemCheck } from '../../../workflows/systemCheck.js';
import { closeDeps, createDeps, startWorkers, temporalClient, type RunningWorkers } from '../../support/harness.js';

describe('a real workflow on a real Temporal server', () => {
  const deps = createDeps();
  let workers: RunningWorkers;
  let client: Client;

  beforeAll(async () => {
    workers = await startWorkers(deps, { queues: ['reports'] });
    client = await temporalClient(deps.config);
  });
  afterAll(async () => {
    await workers?.stop();
    await client?.connection.close();
    await closeDeps(deps);
  });

  it('runs systemCheck through a worker whose activity touches MySQL and Redis', async () => {
    const info = await client.workflowService.getSystemInfo({});
    console.log(`workflow test against Temporal server ${info.serverVersion} at ${deps.config.temporal.address}`);
    expect(info.serverVersion).toMatch(/^\d+\.\d+/);

    const workflowId = `system-check:${randomUUID()}`;
    const before = Date.now();
    const result = await client.workflow.execute(systemCheck, {
      taskQueue: temporalSettings(deps.config).taskQueues.reports,
      workflowId,
      args: [{ retry: temporalSettings(deps.config).defaultActivityRetry }],
    });
    expect(result.redis).toBe('PONG');
    expect(result.worker).toContain(String(process.pid));
    // The database clock, read inside the activity, is "now" (within clock skew).
    expect(Math.abs(new Date(result.databaseTime).getTime() - before)).toBeLessThan(60_000);

    // The server recorded the activity: this went through real task queues, not a mock.
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const types = (history.events ?? []).map((e) => e.activityTaskCompletedEventAttributes).filter(Boolean);
    expect(types).toHaveLength(1);
    const desc = await client.workflow.getHandle(workflowId).describe();
    expect(desc.status.name).toBe('COMPLETED');
  });
});
