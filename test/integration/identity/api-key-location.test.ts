/** The Location of a created API key names something a client can GET (it answered 405). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, headersFor } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

describe('API key Location', () => {
  const deps = createDeps();
  let api: RunningApi;
  let a: Awaited<ReturnType<typeof createWorld>>;
  let b: Awaited<ReturnType<typeof createWorld>>;

  beforeAll(async () => {
    api = await startApi(deps);
    const admin = await adminHeaders(deps);
    [a, b] = [await createWorld(api.url, admin), await createWorld(api.url, admin)];
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('answers GET on the Location with the key, never its secret, and only to its entity and staff', async () => {
    const owner = await headersFor(deps, { role: 'owner', entityId: a.retailer.id });
    const created = await request(api.url, 'POST', '/api-keys', { name: 'pos bridge', scopes: ['orders:read'] }, owner);
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect(location).toBe(`/api/v1/api-keys/${created.body.id}`);
    const got = await request(api.url, 'GET', location.replace('/api/v1', ''), undefined, owner);
    expect(got.status).toBe(200);
    const { key, ...withoutSecret } = created.body;
    expect(got.body).toEqual(withoutSecret);
    expect(JSON.stringify(got.body)).not.toContain(key);
    const other = await headersFor(deps, { role: 'owner', entityId: b.retailer.id });
    expect((await request(api.url, 'GET', location.replace('/api/v1', ''), undefined, other)).status).toBe(404);
    expect((await request(api.url, 'GET', location.replace('/api/v1', ''), undefined, await adminHeaders(deps))).status).toBe(200);
    expect((await request(api.url, 'DELETE', location.replace('/api/v1', ''), undefined, owner)).status).toBe(204);
    const revoked = await request(api.url, 'GET', location.replace('/api/v1', ''), undefined, owner);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
  });
});
