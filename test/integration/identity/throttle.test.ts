/**
 * Sign-in throttling under parallel load and behind proxies (issue 13, item 8). Password checks
 * are counted at the one function that runs argon2, so a throttle that lets parallel guesses
 * through shows up as more checks than the limit.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { authenticator } from 'otplib';
import type * as Crypto from '../../../platform/crypto.js';
import { createTestUser } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

const checks = vi.hoisted(() => ({ passwords: 0, secondFactors: 0 }));
vi.mock('../../../platform/crypto.js', async (importOriginal) => {
  const real = await importOriginal<typeof Crypto>();
  return {
    ...real,
    verifyPassword: (hash: string, password: string) => {
      checks.passwords += 1;
      return real.verifyPassword(hash, password);
    },
    // Every second-factor check that is not a valid TOTP looks its code up as a recovery code
    // (under each key of the APP_SECRET keyring at once: one lookup, one check).
    keyedHashes: (keys: Crypto.KeySource, purpose: string, value: string) => {
      if (purpose === 'recovery-code') checks.secondFactors += 1;
      return real.keyedHashes(keys, purpose, value);
    },
  };
});

// Redis outlives a test run: every client address and account here is unique to this run.
const freshIp = () => `198.18.${randomInt(256)}.${randomInt(1, 255)}`;
const statusCounts = (statuses: number[]) => statuses.reduce<Record<number, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});

describe('sign-in throttling', () => {
  const MAX = 5;
  const deps = createDeps({ LOGIN_MAX_FAILURES: String(MAX), LOGIN_IP_MAX_FAILURES: '20', LOGIN_LOCKOUT_SECONDS: '60' });
  let api: RunningApi;
  const login = (base: string, email: string, password: string, ip: string) =>
    request(base, 'POST', '/auth/login', { email, password }, { 'x-forwarded-for': ip });

  beforeAll(async () => {
    api = await startApi(deps);
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('60 parallel wrong passwords get exactly the configured number of password checks', async () => {
    const victim = await createTestUser(deps, { role: 'operator', password: 'victim-right-password' });
    const attacker = freshIp();
    const before = checks.passwords;
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => login(api.url, victim.email, `guess-${i}`, attacker)));
    const statuses = results.map((r) => r.status);
    expect(checks.passwords - before, JSON.stringify(statusCounts(statuses))).toBe(MAX);
    // A 401 is a checked guess; the locking check and every refused guess answer 429.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(MAX - 1);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(60 - (MAX - 1));
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    for (const r of results.filter((x) => x.status === 429)) {
      expect(r.body.error.code).toBe('RATE_LIMITED');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // One lockout, audited once, however many checks failed in parallel.
    const [lockouts] = await deps.sequelize.query("SELECT id FROM audit_log WHERE action = 'auth.lockout' AND target_id = ?", { replacements: [victim.id] });
    expect(lockouts).toHaveLength(1);
    // Locked: even the right password is not checked.
    const mid = checks.passwords;
    expect((await login(api.url, victim.email, 'victim-right-password', freshIp())).status).toBe(429);
    expect(checks.passwords).toBe(mid);
  });

  it('a locked account does not lock other accounts behind the same proxy, nor from the same client', async () => {
    const victim = await createTestUser(deps, { role: 'operator', password: 'victim-password-2' });
    const others = await Promise.all([1, 2, 3].map((i) => createTestUser(deps, { role: 'operator', password: `other-password-${i}` })));
    const attacker = freshIp();
    // 80 parallel guesses at one account, through the proxy (this API's peer is 127.0.0.1,
    // trusted by the default TRUST_PROXY=loopback), from one client address.
    await Promise.all(Array.from({ length: 80 }, (_, i) => login(api.url, victim.email, `nope-${i}`, attacker)));
    expect((await login(api.url, victim.email, 'victim-password-2', freshIp())).status).toBe(429);
    // Other people behind the same proxy sign in…
    expect((await login(api.url, others[0]!.email, 'other-password-1', freshIp())).status).toBe(200);
    // …and so does another account from the attacker's own address: refused guesses cost the
    // address nothing (its limit, 20, is far below the 80 guesses sent).
    expect((await login(api.url, others[1]!.email, 'other-password-2', attacker)).status).toBe(200);
    expect((await login(api.url, others[2]!.email, 'other-password-3', freshIp())).status).toBe(200);
  });

  it('counts a client across accounts: a password spray from one address is stopped at its limit', async () => {
    const sprayer = freshIp();
    const run = randomUUID().slice(0, 8);
    const before = checks.passwords;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login(api.url, `spray-${run}-${i}@example.test`, 'Winter2026!', sprayer)),
    );
    expect(checks.passwords - before).toBe(20);
    expect(results.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(31);
    // Another client is unaffected.
    expect((await login(api.url, `spray-${run}-0@example.test`, 'x', freshIp())).status).toBe(401);
  });

  it('parallel wrong second-factor codes get no more checks than the limit', async () => {
    const user = await createTestUser(deps, { role: 'compliance', password: 'compliance-pass-9' });
    const r = await login(api.url, user.email, 'compliance-pass-9', freshIp());
    expect(r.body.mfa_required).toBe(true);
    const h = { authorization: `Bearer ${r.body.token}` };
    const right = authenticator.generate(user.totpSecret!);
    const wrong = (i: number) => String((Number(right) + 1 + i) % 1_000_000).padStart(6, '0');
    const before = checks.secondFactors;
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => request(api.url, 'POST', '/auth/mfa/verify', { code: wrong(i) }, h)));
    expect(checks.secondFactors - before).toBe(5);
    // A 401 is a code that was checked and failed; the fifth failure locks. Before the
    // reservation, most of the 30 were checked (and answered 401).
    const statuses = results.map((x) => x.status);
    expect(statuses.filter((s) => s === 401).length, JSON.stringify(statusCounts(statuses))).toBeLessThanOrEqual(4);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(26);
    expect((await request(api.url, 'POST', '/auth/mfa/verify', { code: right }, h)).status).toBe(429);
  });

  it('takes the client address from X-Forwarded-For only when TRUST_PROXY trusts the peer', async () => {
    const user = await createTestUser(deps, { role: 'operator', password: 'proxy-pass-1' });
    const forwardedFor = async (trustProxy: string | undefined, xff: string) => {
      const d = createDeps(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy });
      const a = await startApi(d);
      try {
        const requestId = `trust-proxy-${randomUUID()}`;
        const r = await request(a.url, 'POST', '/auth/login', { email: user.email, password: 'proxy-pass-1' }, { 'x-forwarded-for': xff, 'x-request-id': requestId });
        expect(r.status).toBe(200);
        const [rows] = await d.sequelize.query("SELECT ip FROM audit_log WHERE action = 'auth.login' AND request_id = ?", { replacements: [requestId] });
        return (rows as Array<{ ip: string }>)[0]?.ip;
      } finally {
        await a.close();
        await closeDeps(d);
      }
    };
    expect(await forwardedFor(undefined, '203.0.113.7')).toBe('203.0.113.7'); // default: loopback proxy trusted
    expect(await forwardedFor('false', '203.0.113.7')).toBe('127.0.0.1');
    expect(await forwardedFor('10.0.0.0/8', '203.0.113.7')).toBe('127.0.0.1'); // the peer is not a listed proxy
    expect(await forwardedFor('127.0.0.1/32', '198.51.100.1, 203.0.113.7')).toBe('203.0.113.7'); // the client the proxy saw, not what the client claimed
    expect(await forwardedFor('2', '198.51.100.1, 203.0.113.7')).toBe('198.51.100.1'); // two hops
  });
});
