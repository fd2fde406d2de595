/**
 * Issue 13 item 7: a POS connection's base_url receives the tenant's vendor keys, so it may only
 * name an allowed vendor host (the local sandboxes outside production). The review pointed one
 * at the database port; here 127.0.0.1:3306 and unknown hosts answer 422 naming base_url and
 * nothing is written, for operators as much as admins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headersFor } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { credentialsFor } from '../pos/helpers.js';

describe('security: POS base_url allowlist', () => {
  const deps = createDeps();
  let api: RunningApi;
  let operator: Record<string, string>;
  let world: Awaited<ReturnType<typeof createWorld>>;

  const countFor = async (locationId: string) => {
    const [rows] = await deps.sequelize.query('SELECT COUNT(*) AS n FROM pos_connections WHERE location_id = ?', { replacements: [locationId] });
    return Number((rows as Array<{ n: number }>)[0]!.n);
  };
  const body = (base_url: string) => ({
    entity_id: world.wholesaler.id,
    location_id: world.warehouse.id,
    vendor: 'dutchie',
    credentials: credentialsFor('dutchie'),
    base_url,
    paused: true,
  });

  beforeAll(async () => {
    api = await startApi(deps);
    operator = await headersFor(deps, { role: 'operator' });
    world = await createWorld(api.url, await headersFor(deps, { role: 'admin' }));
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it.each([
    'http://127.0.0.1:3306',
    'http://127.0.0.1:6379/',
    'http://localhost:7233',
    'https://evil.example.com',
    'https://api.pos.dutchie.com.evil.example.com',
    'https://api.pos.dutchie.com:8443',
    'https://operator:secret@api.pos.dutchie.com',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]:3306',
  ])('create with base_url %s → 422 naming base_url, nothing written', async (url) => {
    const r = await request(api.url, 'POST', '/pos-connections', body(url), operator);
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'UNPROCESSABLE_ENTITY', details: { field: 'base_url' } });
    expect(await countFor(world.warehouse.id)).toBe(0);
  });

  it('allows the sandbox host outside production and refuses to move it to an internal port', async () => {
    const sandbox = `http://127.0.0.1:${deps.config.sandboxes.dutchiePort}`;
    const created = await request(api.url, 'POST', '/pos-connections', body(sandbox), operator);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.base_url).toBe(sandbox);

    const moved = await request(api.url, 'PATCH', `/pos-connections/${created.body.id}`, { base_url: 'http://127.0.0.1:3306' }, operator);
    expect(moved.status, JSON.stringify(moved.body)).toBe(422);
    expect(moved.body.error.details).toMatchObject({ field: 'base_url' });
    const [rows] = await deps.sequelize.query('SELECT base_url FROM pos_connections WHERE id = ?', { replacements: [created.body.id] });
    expect((rows as Array<{ base_url: string }>)[0]!.base_url).toBe(sandbox);

    // A vendor's production host is on the default list.
    const vendor = await request(api.url, 'PATCH', `/pos-connections/${created.body.id}`, { base_url: 'https://api.pos.dutchie.com' }, operator);
    expect(vendor.status, JSON.stringify(vendor.body)).toBe(200);
    expect((await request(api.url, 'DELETE', `/pos-connections/${created.body.id}`, undefined, operator)).status).toBe(204);
  });
});
