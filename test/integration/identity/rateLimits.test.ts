/**
 * Rate limits beyond API keys (issue 13, item 10): signed-in users and callers without valid
 * credentials have budgets too, answered with the IETF RateLimit headers and a 429 envelope; an
 * owner cannot lift its own key's limit above the policy ceiling.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, createTestSession, createTestUser, headersFor } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

const freshIp = () => `198.18.${randomInt(256)}.${randomInt(1, 255)}`;

/** Windows are clock minutes: start well inside one so a burst shares its window. */
async function insideOneMinute() {
  const toBoundary = 60_000 - (Date.now() % 60_000);
  if (toBoundary < 8_000) await new Promise((r) => setTimeout(r, toBoundary + 100));
}

type Answer = Awaited<ReturnType<typeof request>>;
function expectLimited(r: Answer, limit: number) {
  expect(r.status).toBe(429);
  expect(r.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit } });
  expect(r.headers.get('ratelimit-limit')).toBe(String(limit));
  expect(r.headers.get('ratelimit-remaining')).toBe('0');
  const reset = Number(r.headers.get('ratelimit-reset'));
  expect(reset).toBeGreaterThan(0);
  expect(reset).toBeLessThanOrEqual(60);
  expect(Number(r.headers.get('retry-after'))).toBe(reset);
  expect(r.body.error.details.retry_after_seconds).toBe(reset);
}

describe('rate limits for sessions and anonymous callers', () => {
  // Small budgets on this instance; the other (default budgets) builds the test world.
  const limited = createDeps({ SESSION_RATE_LIMIT_PER_MINUTE: '5', ANONYMOUS_RATE_LIMIT_PER_MINUTE: '4' });
  const roomy = createDeps({ API_KEY_RATE_LIMIT_CEILING_PER_MINUTE: '1000' });
  let api: RunningApi;
  let setupApi: RunningApi;
  let world: Awaited<ReturnType<typeof createWorld>>;

  beforeAll(async () => {
    [api, setupApi] = await Promise.all([startApi(limited), startApi(roomy)]);
    world = await createWorld(setupApi.url, await adminHeaders(roomy));
  });
  afterAll(async () => {
    await Promise.all([api?.close(), setupApi?.close()]);
    await Promise.all([closeDeps(limited), closeDeps(roomy)]);
  });

  it('a signed-in user gets its budget, shared by all its sessions, and then 429 with RateLimit headers', async () => {
    const user = await createTestUser(limited, { role: 'member', entityId: world.retailer.id });
    const [a, b] = [await createTestSession(limited, user.id), await createTestSession(limited, user.id)];
    const other = await createTestSession(limited, (await createTestUser(limited, { role: 'member', entityId: world.retailer.id })).id);
    await insideOneMinute();
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await request(api.url, 'GET', '/auth/me', undefined, { authorization: `Bearer ${i % 2 ? b : a}` });
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-limit')).toBe('5');
      remaining.push(r.headers.get('ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    expectLimited(await request(api.url, 'GET', '/orders', undefined, { authorization: `Bearer ${a}` }), 5);
    // A second session of the same person buys nothing; another person is unaffected.
    expectLimited(await request(api.url, 'GET', '/auth/me', undefined, { authorization: `Bearer ${b}` }), 5);
    expect((await request(api.url, 'GET', '/auth/me', undefined, { authorization: `Bearer ${other}` })).status).toBe(200);
  });

  it('callers without valid credentials are limited per client address, bad tokens included', async () => {
    const client = freshIp();
    await insideOneMinute();
    const first = await request(api.url, 'GET', '/orders', undefined, { 'x-forwarded-for': client });
    expect(first.status).toBe(401);
    expect(first.headers.get('ratelimit-limit')).toBe('4');
    expect(first.headers.get('ratelimit-remaining')).toBe('3');
    expect((await request(api.url, 'POST', '/auth/login', { email: `nobody-${randomUUID()}@example.test`, password: 'x' }, { 'x-forwarded-for': client })).status).toBe(401);
    expect((await request(api.url, 'GET', '/orders', undefined, { 'x-forwarded-for': client, authorization: 'Bearer not-a-session' })).status).toBe(401);
    expect((await request(api.url, 'GET', '/orders', undefined, { 'x-forwarded-for': client, authorization: `Bearer trk_0123456789ab_${'A'.repeat(43)}` })).status).toBe(401);
    expectLimited(await request(api.url, 'GET', '/orders', undefined, { 'x-forwarded-for': client }), 4);
    expectLimited(await request(api.url, 'POST', '/auth/login', { email: 'a@example.test', password: 'x' }, { 'x-forwarded-for': client }), 4);
    // Another client behind the same proxy is unaffected.
    expect((await request(api.url, 'GET', '/orders', undefined, { 'x-forwarded-for': freshIp() })).status).toBe(401);
  });

  it('an owner cannot give its own key more than the policy ceiling; staff can', async () => {
    const owner = await headersFor(roomy, { role: 'owner', entityId: world.retailer.id });
    const name = `greedy ${randomUUID().slice(0, 8)}`;
    const greedy = await request(setupApi.url, 'POST', '/api-keys', { name, scopes: ['orders:read'], rate_limit_per_minute: 100_000 }, owner);
    expect(greedy.status).toBe(422);
    expect(greedy.body.error).toMatchObject({ code: 'UNPROCESSABLE_ENTITY', details: { field: 'rate_limit_per_minute', max: 1000 } });
    const [rows] = await roomy.sequelize.query('SELECT id FROM api_keys WHERE name = ?', { replacements: [name] });
    expect(rows).toEqual([]);
    const modest = await request(setupApi.url, 'POST', '/api-keys', { name: `${name} modest`, scopes: ['orders:read'], rate_limit_per_minute: 1000 }, owner);
    expect(modest.status, JSON.stringify(modest.body)).toBe(201);
    const staff = await request(setupApi.url, 'POST', '/api-keys', { name: `${name} staff`, scopes: ['orders:read'], entity_id: world.retailer.id, rate_limit_per_minute: 100_000 }, await adminHeaders(roomy));
    expect(staff.status, JSON.stringify(staff.body)).toBe(201);
    expect(staff.body.rate_limit_per_minute).toBe(100_000);
  });
});
