import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import type { RunningSandbox } from '../../../sandboxes/pos/support/serve.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, temporalClient, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { allowPosHost, connect, rows, until } from './helpers.js';

describe('POS connections API and their Temporal Schedules', () => {
  const deps = createDeps();
  let api: RunningApi;
  let workers: RunningWorkers;
  let client: Client;
  let sandbox: RunningSandbox;
  let headers: Record<string, string>;

  beforeAll(async () => {
    [api, workers, client, sandbox] = await Promise.all([
      startApi(deps),
      startWorkers(deps, { queues: ['sync'] }),
      temporalClient(deps.config),
      createDutchieSandbox({ items: 50, sales: 0 }).start(0),
    ]);
    allowPosHost(deps, sandbox.url);
    headers = await adminHeaders(deps);
  });
  afterAll(async () => {
    await workers?.stop();
    await sandbox?.close();
    await api?.close();
    await client?.connection.close();
    await closeDeps(deps);
  });

  it('creates, pauses, resumes, runs now, re-times and deletes the schedule with the connection', async () => {
    const { connection } = await connect(api.url, headers, 'dutchie', sandbox.url, { paused: false, interval_seconds: 3600, name: 'Front store' });
    const id = connection.id as string;
    const schedule = client.schedule.getHandle(`pos-sync:${id}`);

    // Credentials are stored sealed and never answered.
    expect(JSON.stringify(connection)).not.toContain('demo-dutchie-location-key');
    const [stored] = await rows<{ credentials_enc: string }>(deps.sequelize, 'SELECT credentials_enc FROM pos_connections WHERE id = ?', [id]);
    expect(stored!.credentials_enc).not.toContain('demo-dutchie');
    expect(stored!.credentials_enc).toMatch(/^v2\.[\w-]{8}\./); // sealed, naming the APP_SECRET key it was sealed under

    let d = await schedule.describe();
    expect(d.policies.overlap).toBe('SKIP');
    expect(d.action).toMatchObject({ workflowType: 'posSync', taskQueue: deps.config.temporal.taskQueuePrefix + 'sync' });
    expect(d.spec.intervals?.[0]?.every).toBe(3_600_000);
    expect(d.state.paused).toBe(false);
    expect(connection).toMatchObject({ schedule_state: 'active', health: 'pending', paused: false, name: 'Front store' });
    expect(new Date(connection.next_run_at).getTime()).toBeGreaterThan(Date.now());

    const paused = await request(api.url, 'POST', `/pos-connections/${id}/pause`, undefined, headers);
    expect(paused.body).toMatchObject({ paused: true, health: 'paused', schedule_state: 'paused', next_run_at: null });
    expect((await schedule.describe()).state.paused).toBe(true);
    expect((await request(api.url, 'POST', `/pos-connections/${id}/run-now`, undefined, headers)).status).toBe(409);

    const resumed = await request(api.url, 'POST', `/pos-connections/${id}/resume`, undefined, headers);
    expect(resumed.body).toMatchObject({ paused: false, schedule_state: 'active' });
    expect((await schedule.describe()).state.paused).toBe(false);

    const now = await request(api.url, 'POST', `/pos-connections/${id}/run-now`, undefined, headers);
    expect(now.status).toBe(202);
    const run = await until(async () => {
      const list = (await request(api.url, 'GET', `/sync-runs?connection_id=${id}`, undefined, headers)).body;
      return list.data[0]?.status === 'succeeded' ? list.data[0] : undefined;
    }, 60_000, 'the triggered run to finish');
    expect(run.workflow_id).toMatch(new RegExp(`^pos-sync:${id}`));
    expect(run.counts.created).toBe(50);
    d = await schedule.describe();
    expect(d.info.recentActions.length).toBe(1);
    const after = (await request(api.url, 'GET', `/pos-connections/${id}`, undefined, headers)).body;
    expect(after).toMatchObject({ health: 'ok', last_run: { id: run.id, status: 'succeeded' } });

    const patched = await request(api.url, 'PATCH', `/pos-connections/${id}`, { interval_seconds: 7200, credentials: { location_key: 'demo-dutchie-location-key', integrator_key: 'demo-dutchie-integrator-key' } }, headers);
    expect(patched.status).toBe(200);
    expect(patched.body.interval_seconds).toBe(7200);
    expect((await schedule.describe()).spec.intervals?.[0]?.every).toBe(7_200_000);

    const tested = await request(api.url, 'POST', `/pos-connections/${id}/test`, undefined, headers);
    expect(tested.body.ok).toBe(true);

    expect((await request(api.url, 'DELETE', `/pos-connections/${id}`, undefined, headers)).status).toBe(204);
    await expect(schedule.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);

    // Every operator action is in the audit trail, by this admin, against this connection, keys left out.
    const me = (await request(api.url, 'GET', '/auth/me', undefined, headers)).body;
    const log = await request(api.url, 'GET', `/audit-log?target_type=pos_connection&target_id=${id}&limit=50`, undefined, headers);
    expect(log.status).toBe(200);
    const trail = [...log.body.data].reverse() as Array<{ action: string; actor_type: string; actor_id: string; entity_id: string; summary: Record<string, unknown> }>;
    expect(trail.map((a) => a.action)).toEqual([
      'pos_connection.created',
      'pos_connection.paused',
      'pos_connection.resumed',
      'pos_connection.run_requested',
      'pos_connection.updated',
      'pos_connection.tested',
      'pos_connection.deleted',
    ]);
    expect(trail.every((a) => a.actor_type === 'user' && a.actor_id === me.user.id && a.entity_id === connection.entity_id)).toBe(true);
    expect(trail[4]!.summary).toMatchObject({ changes: { interval_seconds: { from: 3600, to: 7200 } }, keys_rotated: true });
    expect(trail[5]!.summary).toMatchObject({ ok: true });
    expect(JSON.stringify(trail)).not.toContain('demo-dutchie');
    expect((await request(api.url, 'GET', `/pos-connections/${id}`, undefined, headers)).status).toBe(404);
    const [left] = await rows<{ n: number }>(deps.sequelize, 'SELECT COUNT(*) AS n FROM sync_runs WHERE connection_id = ?', [id]);
    expect(Number(left!.n)).toBe(0);
  });

  it('refuses keys of the wrong vendor, a second connection for the same location, and a foreign location', async () => {
    const { world } = await connect(api.url, headers, 'dutchie', sandbox.url);
    const base = { entity_id: world.wholesaler.id, location_id: world.warehouse.id, base_url: sandbox.url };
    const wrongKeys = await request(api.url, 'POST', '/pos-connections', { ...base, vendor: 'blaze', credentials: { location_key: 'x' } }, headers);
    expect(wrongKeys.status).toBe(400);
    expect(wrongKeys.body.error.details.field).toBe('credentials');
    const dup = await request(api.url, 'POST', '/pos-connections', { ...base, vendor: 'dutchie', credentials: { location_key: 'x' } }, headers);
    expect(dup.status).toBe(409);
    const foreign = await request(api.url, 'POST', '/pos-connections', { ...base, location_id: world.store.id, vendor: 'dutchie', credentials: { location_key: 'x' } }, headers);
    expect(foreign.status).toBe(422);
    const unknownField = await request(api.url, 'POST', '/pos-connections', { ...base, vendor: 'dutchie', credentials: { location_key: 'x' }, cursor: {} }, headers);
    expect(unknownField.status).toBe(400);
  });
});
