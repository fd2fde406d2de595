/**
 * A licence with no METRC user key at all (none stored, no process-wide default, as in a fresh
 * production hub): its submissions wait parked with the reason and one alert for the licence, not
 * a dead letter each, and go out once someone stores the key through the API.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER_KEY } from '../../../sandboxes/metrc/demo-data.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { createSubmission, eachPackages, metrcOverrides, receiptPayload, RETAILERS, startSandbox, statusCounts, until, type SandboxHandle } from './helpers.js';

describe('METRC submissions for a licence without a key', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let workers: RunningWorkers;
  let headers: Record<string, string>;
  const license = RETAILERS[2]!;

  beforeAll(async () => {
    sb = await startSandbox();
    deps = createDeps(metrcOverrides(sb.running.url, { METRC_KEY_PROBE_INTERVAL: '300ms' }));
    // No default user key, as in production: the licence's own stored key is the only one.
    deps.config.metrc.userKey = '';
    api = await startApi(deps);
    workers = await startWorkers(deps, { queues: ['compliance'] });
    headers = await adminHeaders(deps);
    await deps.sequelize.query('DELETE FROM metrc_credentials WHERE license_number = ?', { replacements: [license] });
    const [held] = await deps.sequelize.query('SELECT 1 FROM locations WHERE license_number = ? UNION SELECT 1 FROM entities WHERE license_number = ?', { replacements: [license, license] });
    if ((held as unknown[]).length === 0) {
      const e = await request(api.url, 'POST', '/entities', { type: 'retailer', name: `Keyless ${randomUUID().slice(0, 6)}`, license_number: license, license_state: 'CO', license_type: 'Retail' }, headers);
      expect(e.status, JSON.stringify(e.body)).toBe(201);
    }
  });
  afterAll(async () => {
    await workers?.stop();
    await api?.close();
    await closeDeps(deps);
    await sb?.running.close();
  });

  it('parks them with the reason and one alert, then sends each once when a key is stored', async () => {
    const tag = `NOKEY-${Date.now().toString(36)}`;
    const pkgs = eachPackages(license);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createSubmission(api.url, headers, 'sales_receipt', license, receiptPayload(pkgs[i]!.label, `${tag}-${i}`))).id);

    await until('all to park', async () => ((await statusCounts(deps, ids)).parked === 3 ? true : undefined), 60_000);
    const listed = await request(api.url, 'GET', `/metrc-submissions?status=parked&license_number=${license}`, undefined, headers);
    expect(listed.status).toBe(200);
    for (const s of listed.body.data.filter((x: { id: string }) => ids.includes(x.id))) expect(s.failure_reason).toMatch(/no METRC user key is stored/);
    const [letters] = await deps.sequelize.query("SELECT kind, subject_id FROM dead_letters WHERE status = 'open' AND (subject_id = ? OR subject_id IN (?))", { replacements: [license, ids] });
    expect(letters).toEqual([{ kind: 'metrc_credentials', subject_id: license }]);
    expect(Object.keys((await sb.state()).receiptsByExternalNumber).filter((k) => k.startsWith(tag))).toEqual([]);

    const put = await request(api.url, 'PUT', `/metrc-credentials/${license}`, { user_key: DEMO_USER_KEY }, headers);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    await until('all to go out', async () => ((await statusCounts(deps, ids)).succeeded === 3 ? true : undefined), 60_000);
    const sent = Object.entries((await sb.state()).receiptsByExternalNumber).filter(([k]) => k.startsWith(tag));
    expect(sent.map(([, n]) => n)).toEqual([1, 1, 1]);
    const [open] = await deps.sequelize.query("SELECT COUNT(*) AS n FROM dead_letters WHERE status = 'open' AND subject_id = ?", { replacements: [license] });
    expect(Number((open as { n: number }[])[0]!.n)).toBe(0);
  });
});
