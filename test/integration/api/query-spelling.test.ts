/**
 * Query values as real clients send them: `+` for a space (httpx, requests, generated clients),
 * reserved characters left unencoded, text that is not ASCII, ids in upper case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

describe('query strings as clients send them', () => {
  const deps = createDeps();
  let api: RunningApi;
  let admin: Record<string, string>;
  let world: Awaited<ReturnType<typeof createWorld>>;
  const get = (path: string) => request(api.url, 'GET', path, undefined, admin);

  beforeAll(async () => {
    api = await startApi(deps);
    admin = await adminHeaders(deps);
    world = await createWorld(api.url, admin);
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('reads `+` as a space, like %20', async () => {
    const plus = await get(`/products?q=Blue+Dream+Flower+${world.tag}`);
    const pct = await get(`/products?q=Blue%20Dream%20Flower%20${world.tag}`);
    expect(plus.status, JSON.stringify(plus.body)).toBe(200);
    expect(plus.body.data.map((p: { id: string }) => p.id)).toEqual([world.product.id]);
    expect(plus.body).toEqual(pct.body);
  });

  it('accepts reserved characters left unencoded and reads them as sent', async () => {
    for (const q of ["it's", 'a,b', 'a:b*', 'x/y']) {
      const r = await get(`/products?q=${q}`);
      expect(r.status, `${q}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    const since = await get('/orders?created_from=2020-01-01T00:00:00Z');
    expect(since.status, JSON.stringify(since.body)).toBe(200);
    const bad = await get('/orders?created_from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('created_from');
  });

  it('answers a non-ASCII search on orders with no matches, not a 500', async () => {
    for (const q of ['%C3%A9t%C3%A9', '%E2%98%83', 'Z%C3%BCrich']) {
      const r = await get(`/orders?q=${q}`);
      expect(r.status, `${q}: ${JSON.stringify(r.body)}`).toBe(200);
      expect(r.body.data).toEqual([]);
    }
  });

  it('finds an object by its id in upper case', async () => {
    const r = await get(`/products/${world.product.id.toUpperCase()}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.id).toBe(world.product.id);
  });
});
