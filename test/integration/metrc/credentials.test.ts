/**
 * METRC user keys per licence (issue 15): stored encrypted and never answered, tested against the
 * METRC sandbox (a refused key is recorded as failing with METRC's message), owners confined to
 * their own licences.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUserKey } from '../../../db/repositories/metrcCredentials.js';
import { DEMO_USER_KEY } from '../../../sandboxes/metrc/demo-data.js';
import { adminHeaders, headersFor } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { metrcOverrides, startSandbox, WHOLESALERS, type SandboxHandle } from './helpers.js';

const LICENSE = WHOLESALERS[1]!; // a facility the sandbox's demo user key may act for

describe('METRC credentials per licence', () => {
  let sandbox: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let admin: Record<string, string>;
  let owner: Record<string, string>;
  let stranger: Record<string, string>;
  let holderId: string;
  let ownLicense: string;

  const rowsOf = async (license: string) => {
    const [rows] = await deps.sequelize.query('SELECT * FROM metrc_credentials WHERE license_number = ?', { replacements: [license] });
    return rows as Array<Record<string, unknown>>;
  };

  beforeAll(async () => {
    sandbox = await startSandbox();
    deps = createDeps(metrcOverrides(sandbox.running.url));
    api = await startApi(deps);
    admin = await adminHeaders(deps);
    const world = await createWorld(api.url, admin);
    // The sandbox licence may already belong to an entity another test file registered.
    const [held] = await deps.sequelize.query('SELECT id FROM entities WHERE license_number = ? UNION SELECT entity_id FROM locations WHERE license_number = ?', {
      replacements: [LICENSE, LICENSE],
    });
    holderId = (held as Array<{ id: string }>)[0]?.id ?? '';
    if (!holderId) {
      const e = await request(api.url, 'POST', '/entities', { type: 'wholesaler', name: `Sandbox Wholesale ${randomUUID().slice(0, 6)}`, license_number: LICENSE, license_state: 'CO', license_type: 'Wholesale' }, admin);
      expect(e.status).toBe(201);
      holderId = e.body.id;
    }
    // A licensed premises of the same entity that the sandbox key does not cover.
    ownLicense = `NOGRANT-${randomUUID().slice(0, 8).toUpperCase()}`;
    const loc = await request(api.url, 'POST', '/locations', { entity_id: holderId, name: 'Second site', license_number: ownLicense, address_line1: '2 Main St', city: 'Denver', state: 'CO', postal_code: '80202' }, admin);
    expect(loc.status).toBe(201);
    owner = await headersFor(deps, { role: 'owner', entityId: holderId });
    stranger = await headersFor(deps, { role: 'owner', entityId: world.retailer.id });
  });
  afterAll(async () => {
    await api?.close();
    if (deps) await closeDeps(deps);
    await sandbox?.running.close();
  });

  it('stores the key encrypted, answers only its last four characters, and the worker can read it back', async () => {
    const put = await request(api.url, 'PUT', `/metrc-credentials/${LICENSE}`, { user_key: DEMO_USER_KEY }, owner);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ license_number: LICENSE, configured: true, key_last4: DEMO_USER_KEY.slice(-4), last_test_ok: null });
    expect(JSON.stringify(put.body)).not.toContain(DEMO_USER_KEY);
    const get = await request(api.url, 'GET', `/metrc-credentials/${LICENSE}`, undefined, owner);
    expect(JSON.stringify(get.body)).not.toContain(DEMO_USER_KEY);
    const list = await request(api.url, 'GET', '/metrc-credentials', undefined, owner);
    expect(list.body.data.map((c: { license_number: string }) => c.license_number)).toContain(LICENSE);
    expect(JSON.stringify(list.body)).not.toContain(DEMO_USER_KEY);

    const rows = await rowsOf(LICENSE);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(DEMO_USER_KEY);
    expect(String(rows[0]!.user_key_enc)).toMatch(/^v2\.[\w-]{8}\./); // sealed, naming the APP_SECRET key it was sealed under
    const [audits] = await deps.sequelize.query("SELECT summary FROM audit_log WHERE target_id = ? AND action LIKE 'metrc_credential.%'", { replacements: [LICENSE] });
    expect((audits as unknown[]).length).toBeGreaterThan(0);
    expect(JSON.stringify(audits)).not.toContain(DEMO_USER_KEY);

    expect(await loadUserKey(deps.sequelize, deps.config.appSecret, LICENSE)).toBe(DEMO_USER_KEY);
  });

  it('test connection: a good key is recorded as working, with the facilities METRC listed', async () => {
    await request(api.url, 'PUT', `/metrc-credentials/${LICENSE}`, { user_key: DEMO_USER_KEY }, admin);
    const t = await request(api.url, 'POST', `/metrc-credentials/${LICENSE}/test`, undefined, owner);
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({ ok: true, metrc_status: 200 });
    expect(t.body.facilities.map((f: { license_number: string }) => f.license_number)).toContain(LICENSE);
    expect(t.body.credential).toMatchObject({ last_test_ok: true, last_error: null });
    expect(t.body.credential.last_tested_at).toBeTruthy();
    expect(t.body.credential.last_used_at).toBeTruthy();
  });

  it('test connection: a key METRC refuses is stored as failing, with what METRC said', async () => {
    const refused = `not-a-metrc-key-${randomUUID()}`;
    expect((await request(api.url, 'PUT', `/metrc-credentials/${LICENSE}`, { user_key: refused }, owner)).status).toBe(200);
    const t = await request(api.url, 'POST', `/metrc-credentials/${LICENSE}/test`, undefined, owner);
    expect(t.status).toBe(200);
    expect(t.body.ok).toBe(false);
    expect(t.body.metrc_status).toBe(401);
    expect(t.body.message).toMatch(/unauthorized/i);
    expect(JSON.stringify(t.body)).not.toContain(refused);
    const get = await request(api.url, 'GET', `/metrc-credentials/${LICENSE}`, undefined, owner);
    expect(get.body).toMatchObject({ last_test_ok: false });
    expect(get.body.last_error).toBe(t.body.message);
    // Storing a new key clears the old verdict: it has not been tested.
    const again = await request(api.url, 'PUT', `/metrc-credentials/${LICENSE}`, { user_key: DEMO_USER_KEY }, owner);
    expect(again.body).toMatchObject({ last_test_ok: null, last_error: null });
  });

  it('test connection: a working key that does not grant this licence is failing too', async () => {
    expect((await request(api.url, 'PUT', `/metrc-credentials/${ownLicense}`, { user_key: DEMO_USER_KEY }, owner)).status).toBe(200);
    const t = await request(api.url, 'POST', `/metrc-credentials/${ownLicense}/test`, undefined, owner);
    expect(t.body).toMatchObject({ ok: false, metrc_status: 200 });
    expect(t.body.message).toContain(`does not grant licence ${ownLicense}`);
    const list = await request(api.url, 'GET', '/metrc-credentials', undefined, owner);
    expect(list.body.data.find((c: { license_number: string }) => c.license_number === ownLicense)).toMatchObject({ configured: true, last_test_ok: false });
  });

  it("another entity's owner can neither see nor set the licence's key (404, nothing written)", async () => {
    const before = await rowsOf(LICENSE);
    expect((await request(api.url, 'PUT', `/metrc-credentials/${LICENSE}`, { user_key: 'stranger-key-12345' }, stranger)).status).toBe(404);
    expect((await request(api.url, 'GET', `/metrc-credentials/${LICENSE}`, undefined, stranger)).status).toBe(404);
    expect((await request(api.url, 'POST', `/metrc-credentials/${LICENSE}/test`, undefined, stranger)).status).toBe(404);
    expect((await request(api.url, 'DELETE', `/metrc-credentials/${LICENSE}`, undefined, stranger)).status).toBe(404);
    expect((await request(api.url, 'GET', `/metrc-credentials?entity_id=${holderId}`, undefined, stranger)).status).toBe(404);
    expect(await rowsOf(LICENSE)).toEqual(before);
    expect((await request(api.url, 'PUT', '/metrc-credentials/NO-SUCH-LICENSE', { user_key: 'whatever-key-123' }, admin)).status).toBe(404);
    expect((await request(api.url, 'GET', '/metrc-credentials', undefined, admin)).status).toBe(400);
  });

  it('removing the key: 204, then test is 409 (nothing stored)', async () => {
    expect((await request(api.url, 'DELETE', `/metrc-credentials/${LICENSE}`, undefined, admin)).status).toBe(204);
    expect(await rowsOf(LICENSE)).toEqual([]);
    expect((await request(api.url, 'POST', `/metrc-credentials/${LICENSE}/test`, undefined, owner)).status).toBe(409);
    expect((await request(api.url, 'GET', `/metrc-credentials/${LICENSE}`, undefined, owner)).body.configured).toBe(false);
  });
});
