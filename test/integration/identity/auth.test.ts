import { randomInt, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../../platform/logger.js';
import { adminHeaders, apiKeyHeaders, createTestSession, createTestUser, headersFor } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { apiKeyCache } from '../../../api/services/authApiKeys.js';

// Everything the process logs during this file, to prove no credential ever reaches a log line.
const captured: string[] = [];
const stream = (logger() as unknown as Record<symbol, { write(s: string): unknown }>)[pino.symbols.streamSym]!;
const originalWrite = stream.write.bind(stream);
stream.write = (line: string) => {
  captured.push(line);
  return originalWrite(line);
};
const originalLevel = logger().level;

/** A TOTP code for a step away from any code used before (codes are single-use). */
const totpAt = (secret: string, offsetSteps: number) => {
  const a = authenticator.clone({ epoch: Date.now() + offsetSteps * 30_000 });
  return a.generate(secret);
};

const cookiesOf = (headers: Headers): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const c of headers.getSetCookie()) {
    const [pair] = c.split(';');
    const [name, ...rest] = pair!.split('=');
    out[name!] = decodeURIComponent(rest.join('='));
  }
  return out;
};

describe('identity: sessions, MFA, API keys, audit', () => {
  const deps = createDeps({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT_SECONDS: '30' });
  let api: RunningApi;
  let admin: Record<string, string>;
  let world: Awaited<ReturnType<typeof createWorld>>;
  const secrets: string[] = [];
  let ipSeq = 0;
  // Redis outlives a test run, so every throttled subject (IP, email) is unique to this run.
  const freshIp = () => `10.${randomInt(256)}.${randomInt(256)}.${(++ipSeq % 250) + 1}`;
  const login = (email: string, password: string, ip = freshIp()) =>
    request(api.url, 'POST', '/auth/login', { email, password }, { 'x-forwarded-for': ip });

  beforeAll(async () => {
    logger().level = 'trace';
    api = await startApi(deps);
    admin = await adminHeaders(deps);
    secrets.push(admin.authorization!.slice('Bearer '.length));
    world = await createWorld(api.url, admin);
  });
  afterAll(async () => {
    logger().level = originalLevel;
    stream.write = originalWrite;
    await api?.close();
    await closeDeps(deps);
  });

  it('answers 401 envelopes for missing, malformed, unknown, expired and revoked credentials', async () => {
    const none = await request(api.url, 'GET', '/orders');
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ code: 'UNAUTHORIZED' });
    for (const authorization of ['Basic Zm9vOmJhcg==', 'Bearer', 'Bearer trs_nope', 'Bearer trk_zzzz_short', `Bearer trk_0123456789ab_${'A'.repeat(43)}`]) {
      const r = await request(api.url, 'GET', '/orders', undefined, { authorization });
      expect(r.status, authorization).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHORIZED');
    }
    const user = await createTestUser(deps, { role: 'operator' });
    const expired = await createTestSession(deps, user.id);
    await deps.sequelize.query('UPDATE user_sessions SET expires_at = ? WHERE user_id = ?', { replacements: [new Date(Date.now() - 1000), user.id] });
    expect((await request(api.url, 'GET', '/orders', undefined, { authorization: `Bearer ${expired}` })).status).toBe(401);
    const idle = await createTestSession(deps, user.id);
    await deps.sequelize.query('UPDATE user_sessions SET idle_expires_at = ? WHERE user_id = ? AND expires_at > ?', { replacements: [new Date(Date.now() - 1000), user.id, new Date()] });
    expect((await request(api.url, 'GET', '/orders', undefined, { authorization: `Bearer ${idle}` })).status).toBe(401);

    const live = await createTestSession(deps, user.id);
    const h = { authorization: `Bearer ${live}` };
    expect((await request(api.url, 'GET', '/orders', undefined, h)).status).toBe(200);
    expect((await request(api.url, 'POST', '/auth/logout', undefined, h)).status).toBe(204);
    const after = await request(api.url, 'GET', '/orders', undefined, h);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('UNAUTHORIZED');
    // The sign-out is in the audit trail, by the user who signed out.
    const [logouts] = await deps.sequelize.query("SELECT actor_id, target_type FROM audit_log WHERE action = 'auth.logout' AND actor_id = ?", { replacements: [user.id] });
    expect(logouts).toEqual([{ actor_id: user.id, target_type: 'user_session' }]);
  });

  it('signs in with a cookie session that needs the CSRF header for mutations', async () => {
    const user = await createTestUser(deps, { role: 'operator', password: 'operator-pass-123' });
    secrets.push('operator-pass-123', user.totpSecret!);
    const r = await login(user.email, 'operator-pass-123');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // Operators owe a second factor like admins (domain/policy.ts MFA_REQUIRED_ROLES).
    expect(r.body).toMatchObject({ mfa_required: true, user: { id: user.id, email: user.email, role: 'operator', entity_id: null, entity_role: null } });
    secrets.push(r.body.token);
    const verified = await request(api.url, 'POST', '/auth/mfa/verify', { code: authenticator.generate(user.totpSecret!) }, { authorization: `Bearer ${r.body.token}` });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    const setCookies = r.headers.getSetCookie();
    expect(setCookies.find((c) => c.startsWith('trellis_session='))).toMatch(/HttpOnly/);
    expect(setCookies.find((c) => c.startsWith('trellis_session='))).toMatch(/SameSite=Lax/);
    expect(setCookies.find((c) => c.startsWith('trellis_csrf='))).not.toMatch(/HttpOnly/);
    const cookies = cookiesOf(r.headers);
    expect(cookies.trellis_session).toBe(r.body.token);
    const cookie = `trellis_session=${cookies.trellis_session}; trellis_csrf=${cookies.trellis_csrf}`;

    const me = await request(api.url, 'GET', '/auth/me', undefined, { cookie });
    expect(me.status).toBe(200);
    expect(me.body.role).toBe('operator');
    expect(me.body.permissions).toContain('orders:write');
    expect(me.body.permissions).not.toContain('audit:read');

    const body = { name: 'Renamed by operator' };
    const noCsrf = await request(api.url, 'PATCH', `/entities/${world.retailer.id}`, body, { cookie });
    expect(noCsrf.status).toBe(403);
    const wrongCsrf = await request(api.url, 'PATCH', `/entities/${world.retailer.id}`, body, { cookie, 'x-csrf-token': 'x'.repeat(64) });
    expect(wrongCsrf.status).toBe(403);
    expect((await request(api.url, 'GET', `/entities/${world.retailer.id}`, undefined, admin)).body.name).toBe(world.retailer.name);
    const ok = await request(api.url, 'PATCH', `/entities/${world.retailer.id}`, body, { cookie, 'x-csrf-token': cookies.trellis_csrf! });
    expect(ok.status).toBe(200);
    // The same token as a bearer needs no CSRF header (no ambient credential to forge).
    expect((await request(api.url, 'GET', '/auth/sessions', undefined, { authorization: `Bearer ${r.body.token}` })).body.data[0]).toMatchObject({ current: true });
  });

  it('keeps an MFA user pending until a TOTP or a single-use recovery code is shown', async () => {
    const user = await createTestUser(deps, { role: 'compliance', password: 'compliance-pass-123' });
    secrets.push('compliance-pass-123', user.totpSecret!);
    const r = await login(user.email, 'compliance-pass-123');
    expect(r.body.mfa_required).toBe(true);
    const h = { authorization: `Bearer ${r.body.token}` };
    secrets.push(r.body.token);
    for (const [method, path] of [['GET', '/orders'], ['GET', '/auth/me'], ['POST', '/auth/mfa/enroll']] as const) {
      const denied = await request(api.url, method, path, undefined, h);
      expect(denied.status, path).toBe(401);
      expect(denied.body.error.code).toBe('MFA_REQUIRED');
    }
    const wrong = await request(api.url, 'POST', '/auth/mfa/verify', { code: '000000' }, h);
    expect(wrong.status).toBe(401);
    const code = totpAt(user.totpSecret!, 0);
    const ok = await request(api.url, 'POST', '/auth/mfa/verify', { code }, h);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await request(api.url, 'GET', '/orders', undefined, h)).status).toBe(200);

    // Replaying the same code on another pending session is refused.
    const second = await login(user.email, 'compliance-pass-123');
    const h2 = { authorization: `Bearer ${second.body.token}` };
    secrets.push(second.body.token);
    expect((await request(api.url, 'POST', '/auth/mfa/verify', { code }, h2)).status).toBe(401);
  });

  it('enrols a new admin: enroll → confirm with a code → recovery codes that work once', async () => {
    const user = await createTestUser(deps, { role: 'admin', mfa: false, password: 'admin-pass-123' });
    secrets.push('admin-pass-123');
    const r = await login(user.email, 'admin-pass-123');
    expect(r.body).toMatchObject({ mfa_required: true, mfa_enrollment_required: true });
    const h = { authorization: `Bearer ${r.body.token}` };
    secrets.push(r.body.token);
    expect((await request(api.url, 'GET', '/audit-log', undefined, h)).body.error.code).toBe('MFA_REQUIRED');
    const enrol = await request(api.url, 'POST', '/auth/mfa/enroll', undefined, h);
    expect(enrol.status).toBe(200);
    expect(enrol.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\/Trellis:/);
    expect(enrol.body.qr_data_url).toMatch(/^data:image\/png;base64,/);
    const secret: string = enrol.body.secret;
    secrets.push(secret);
    const [[stored]] = (await deps.sequelize.query('SELECT mfa_pending_secret_enc FROM users WHERE id = ?', { replacements: [user.id] })) as [Array<{ mfa_pending_secret_enc: string }>, unknown];
    expect(stored!.mfa_pending_secret_enc).not.toContain(secret);
    const confirmed = await request(api.url, 'POST', '/auth/mfa/confirm', { code: totpAt(secret, 0) }, h);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    const codes: string[] = confirmed.body.recovery_codes;
    expect(codes).toHaveLength(10);
    secrets.push(...codes);
    expect((await request(api.url, 'GET', '/audit-log', undefined, h)).status).toBe(200);

    const next = await login(user.email, 'admin-pass-123');
    const hn = { authorization: `Bearer ${next.body.token}` };
    secrets.push(next.body.token);
    expect(next.body).toMatchObject({ mfa_required: true, mfa_enrollment_required: false });
    const rec = await request(api.url, 'POST', '/auth/mfa/verify', { code: codes[0] }, hn);
    expect(rec.status).toBe(200);
    expect(rec.body.used_recovery_code).toBe(true);
    const again = await login(user.email, 'admin-pass-123');
    secrets.push(again.body.token);
    expect((await request(api.url, 'POST', '/auth/mfa/verify', { code: codes[0] }, { authorization: `Bearer ${again.body.token}` })).status).toBe(401);
  });

  it('throttles brute force: generic 401s, then 429, then lockout even for the right password', async () => {
    const user = await createTestUser(deps, { role: 'operator', password: 'the-right-password' });
    secrets.push('the-right-password');
    const unknown = await login(`nobody-${randomUUID()}@nowhere.test`, 'whatever');
    const wrong1 = await login(user.email, 'guess-1');
    expect(unknown.status).toBe(401);
    expect(wrong1.status).toBe(401);
    expect(wrong1.body.error.message).toBe(unknown.body.error.message);
    expect((await login(user.email, 'guess-2')).status).toBe(401);
    const third = await login(user.email, 'guess-3');
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('RATE_LIMITED');
    expect(Number(third.headers.get('retry-after'))).toBe(third.body.error.details.retry_after_seconds);
    const locked = await login(user.email, 'the-right-password');
    expect(locked.status).toBe(429);
    expect(locked.body.error.details.retry_after_seconds).toBeGreaterThan(0);
    // The standard header agrees with the envelope, so plain HTTP clients back off too.
    expect(Number(locked.headers.get('retry-after'))).toBe(locked.body.error.details.retry_after_seconds);
  });

  it('throttles per client IP across accounts', async () => {
    const ipDeps = createDeps({ LOGIN_IP_MAX_FAILURES: '4' });
    const ipApi = await startApi(ipDeps);
    try {
      const ip = freshIp();
      const run = randomUUID().slice(0, 8);
      const attempt = (email: string) => request(ipApi.url, 'POST', '/auth/login', { email, password: 'x' }, { 'x-forwarded-for': ip });
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await attempt(`spray-${run}-${i}@example.test`)).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      // Another IP is unaffected.
      expect((await request(ipApi.url, 'POST', '/auth/login', { email: `spray-${run}-0@example.test`, password: 'x' }, { 'x-forwarded-for': freshIp() })).status).toBe(401);
    } finally {
      await ipApi.close();
      await closeDeps(ipDeps);
    }
  });

  it('lists and revokes my sessions, never someone else’s', async () => {
    const user = await createTestUser(deps, { role: 'owner', entityId: world.retailer.id });
    const a = await createTestSession(deps, user.id);
    const b = await createTestSession(deps, user.id);
    const other = await headersFor(deps, { role: 'operator' });
    const list = await request(api.url, 'GET', '/auth/sessions', undefined, { authorization: `Bearer ${a}` });
    expect(list.body.pagination.total).toBe(2);
    const bId = list.body.data.find((s: { current: boolean }) => !s.current).id;
    expect((await request(api.url, 'DELETE', `/auth/sessions/${bId}`, undefined, other)).status).toBe(404);
    expect((await request(api.url, 'GET', '/auth/me', undefined, { authorization: `Bearer ${b}` })).status).toBe(200);
    expect((await request(api.url, 'DELETE', `/auth/sessions/${bId}`, undefined, { authorization: `Bearer ${a}` })).status).toBe(204);
    expect((await request(api.url, 'GET', '/auth/me', undefined, { authorization: `Bearer ${b}` })).status).toBe(401);
  });

  it('issues scoped partner keys shown once, enforces scopes, rate limits and revocation', async () => {
    const owner = await headersFor(deps, { role: 'owner', entityId: world.retailer.id });
    // Limits count per clock minute: start well inside one so all four calls share a window.
    const toBoundary = 60_000 - (Date.now() % 60_000);
    if (toBoundary < 5_000) await new Promise((r) => setTimeout(r, toBoundary + 100));
    const created = await request(api.url, 'POST', '/api-keys', { name: 'POS bridge', scopes: ['orders:read', 'catalog:read'], rate_limit_per_minute: 3 }, owner);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ entity_id: world.retailer.id, scopes: ['catalog:read', 'orders:read'], revoked_at: null });
    const key: string = created.body.key;
    expect(key).toMatch(/^trk_[0-9a-f]{12}_/);
    secrets.push(key, key.split('_').slice(2).join('_'));
    const [[row]] = (await deps.sequelize.query('SELECT secret_hash FROM api_keys WHERE id = ?', { replacements: [created.body.id] })) as [Array<{ secret_hash: string }>, unknown];
    expect(key).not.toContain(row!.secret_hash);

    const listed = await request(api.url, 'GET', '/api-keys', undefined, owner);
    expect(listed.body.data.map((k: { id: string }) => k.id)).toContain(created.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(key.split('_')[2]);

    const viaHeader = await request(api.url, 'GET', '/orders', undefined, { 'x-api-key': key });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.headers.get('ratelimit-limit')).toBe('3');
    expect(viaHeader.headers.get('ratelimit-remaining')).toBe('2');
    expect(Number(viaHeader.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    const wrongScope = await request(api.url, 'POST', '/products', { entity_id: world.retailer.id, name: 'x', category: 'Flower' }, { authorization: `Bearer ${key}` });
    expect(wrongScope.status).toBe(403);
    expect(wrongScope.body.error.code).toBe('FORBIDDEN');
    const third = await request(api.url, 'GET', '/products', undefined, { authorization: `Bearer ${key}` });
    expect(third.status).toBe(200);
    const limited = await request(api.url, 'GET', '/products', undefined, { authorization: `Bearer ${key}` });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(limited.headers.get('retry-after')).toBeTruthy();

    const member = await headersFor(deps, { role: 'member', entityId: world.retailer.id });
    expect((await request(api.url, 'DELETE', `/api-keys/${created.body.id}`, undefined, member)).status).toBe(403);
    expect((await request(api.url, 'DELETE', `/api-keys/${created.body.id}`, undefined, owner)).status).toBe(204);
    const revoked = await request(api.url, 'GET', '/orders', undefined, { 'x-api-key': key });
    expect(revoked.status).toBe(401);

    const expiring = await apiKeyHeaders(deps, { entityId: world.retailer.id, scopes: ['orders:read'], expiresAt: new Date(Date.now() + 60_000) });
    expect((await request(api.url, 'GET', '/orders', undefined, expiring)).status).toBe(200);
    await deps.sequelize.query('UPDATE api_keys SET expires_at = ? WHERE prefix = ?', { replacements: [new Date(Date.now() - 1000), expiring.authorization!.split('_')[1]] });
    // The SQL stands in for time passing; the in-process credential cache (≤5 s) would still hold the key.
    apiKeyCache.clear();
    expect((await request(api.url, 'GET', '/orders', undefined, expiring)).status).toBe(401);
  });

  it('records every mutation in the audit log, filterable, for admins only', async () => {
    const owner = await headersFor(deps, { role: 'owner', entityId: world.wholesaler.id });
    const patched = await request(api.url, 'PATCH', `/products/${world.product.id}`, { brand: 'Audited' }, { ...owner, 'x-request-id': 'audit-test-1' });
    expect(patched.status).toBe(200);
    const log = await request(api.url, 'GET', `/audit-log?target_type=product&target_id=${world.product.id}&action=product.updated`, undefined, admin);
    expect(log.status).toBe(200);
    expect(log.body.data[0]).toMatchObject({
      actor_type: 'user',
      entity_id: world.wholesaler.id,
      action: 'product.updated',
      request_id: 'audit-test-1',
      summary: { changes: { brand: { from: 'Peak', to: 'Audited' } } },
    });
    expect(log.body.data[0].ip).toBeTruthy();
    const created = await request(api.url, 'GET', `/audit-log?action=product.created&target_id=${world.product.id}`, undefined, admin);
    expect(created.body.pagination.total).toBe(1);
    const keyed = await apiKeyHeaders(deps, { entityId: world.wholesaler.id, scopes: ['inventory:write'] });
    expect((await request(api.url, 'PATCH', `/inventory/${world.stock.id}`, { quantity_on_hand: 90 }, keyed)).status).toBe(200);
    const byKey = await request(api.url, 'GET', `/audit-log?action=inventory.updated&target_id=${world.stock.id}`, undefined, admin);
    expect(byKey.body.data[0]).toMatchObject({ actor_type: 'api_key', summary: { changes: { quantity_on_hand: { from: 100, to: 90 } } } });
    const future = await request(api.url, 'GET', `/audit-log?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`, undefined, admin);
    expect(future.body.data).toEqual([]);
    expect((await request(api.url, 'GET', '/audit-log', undefined, owner)).status).toBe(403);
    expect((await request(api.url, 'GET', '/audit-log', undefined, await headersFor(deps, { role: 'operator' }))).status).toBe(403);
  });

  it('answers CORS only for allowlisted origins', async () => {
    const corsDeps = createDeps({ CORS_ORIGINS: 'https://console.example.com' });
    const corsApi = await startApi(corsDeps);
    try {
      const pre = await fetch(`${corsApi.url}/api/v1/orders`, { method: 'OPTIONS', headers: { origin: 'https://console.example.com', 'access-control-request-method': 'POST' } });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
      expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
      const evil = await fetch(`${corsApi.url}/api/v1/orders`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await corsApi.close();
      await closeDeps(corsDeps);
    }
  });

  // Runs last: everything above has produced logs and answers containing its secrets' neighbours.
  it('never writes a password, token, key or MFA secret to a log line or a later answer', async () => {
    expect(captured.length).toBeGreaterThan(10);
    const logs = captured.join('\n');
    expect(logs).toContain('/api/v1/auth/login'); // the request logs really were captured
    for (const s of secrets) expect(logs.includes(s), `secret leaked to logs: ${s.slice(0, 6)}…`).toBe(false);
    const later = [
      await request(api.url, 'GET', '/api-keys?include_revoked=true', undefined, admin),
      await request(api.url, 'GET', '/audit-log?limit=200', undefined, admin),
      await request(api.url, 'GET', '/auth/sessions', undefined, admin),
      await request(api.url, 'GET', '/auth/me', undefined, admin),
    ]
      .map((r) => JSON.stringify(r.body))
      .join('\n');
    for (const s of secrets) expect(later.includes(s), `secret leaked to an answer: ${s.slice(0, 6)}…`).toBe(false);
  });
});
