/**
 * The idempotency store keeps no credentials (issue 13, item 6): a whole sign-in → MFA enrolment →
 * verification → API-key flow sent WITH Idempotency-Key headers leaves no token, key, TOTP secret,
 * recovery code, password or password-derived hash in the idempotency table, the audit log or the
 * logs; a replayed login meets the lockout; a pending key whose request died is freed by its lease.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomInt, randomUUID } from 'node:crypto';
import getPort from 'get-port';
import { pino } from 'pino';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../../platform/logger.js';
import { adminHeaders, createTestUser } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

// Everything the process logs during this file.
const captured: string[] = [];
const stream = (logger() as unknown as Record<symbol, { write(s: string): unknown }>)[pino.symbols.streamSym]!;
const originalWrite = stream.write.bind(stream);
stream.write = (line: string) => {
  captured.push(line);
  return originalWrite(line);
};
const originalLevel = logger().level;

const totpAt = (secret: string, offsetSteps: number) => authenticator.clone({ epoch: Date.now() + offsetSteps * 30_000 }).generate(secret);
const freshIp = () => `198.19.${randomInt(256)}.${randomInt(1, 255)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const idemKey = () => `idem-${randomUUID()}`;

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

describe('idempotency keys without secrets', () => {
  const LEASE_MS = 5000;
  const deps = createDeps({ LOGIN_MAX_FAILURES: '3', IDEMPOTENCY_LEASE: `${LEASE_MS}ms` });
  let api: RunningApi;
  let admin: Record<string, string>;
  let world: Awaited<ReturnType<typeof createWorld>>;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    logger().level = 'trace';
    api = await startApi(deps);
    admin = await adminHeaders(deps);
    world = await createWorld(api.url, admin);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    logger().level = originalLevel;
    stream.write = originalWrite;
    await api?.close();
    await closeDeps(deps);
  });

  const rows = async (sql: string, replacements: unknown[] = []) =>
    (await deps.sequelize.query(sql, { replacements }))[0] as Array<Record<string, unknown>>;

  it('a sign-in, MFA enrolment, verification and key creation flow stores and logs no credential', async () => {
    const secrets: Array<[string, string]> = [];
    const keep = (what: string, v: string) => {
      expect(v, what).toBeTruthy();
      secrets.push([what, v]);
    };
    const password = `flow-password-${randomUUID()}`;
    const user = await createTestUser(deps, { role: 'admin', mfa: false, password });
    keep('password', password);
    const ip = freshIp();
    const loginBody = { email: user.email, password };
    // What the old store kept as the login's request hash: an unsalted SHA-256 of the body.
    keep('unsalted login hash', createHash('sha256').update(`POST /api/v1/auth/login\n{"email":${JSON.stringify(user.email)},"password":${JSON.stringify(password)}}`).digest('hex'));
    keep('sha256(password)', createHash('sha256').update(password).digest('hex'));
    const [{ password_hash: argon }] = (await rows('SELECT password_hash FROM users WHERE id = ?', [user.id])) as [{ password_hash: string }];
    keep('argon2 hash', argon.split('$').pop()!);

    const k1 = idemKey();
    const first = await request(api.url, 'POST', '/auth/login', loginBody, { 'idempotency-key': k1, 'x-forwarded-for': ip });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    keep('session token', first.body.token);
    // A retry runs again (through the throttle) instead of handing out the stored session.
    const again = await request(api.url, 'POST', '/auth/login', loginBody, { 'idempotency-key': k1, 'x-forwarded-for': ip });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.token).not.toBe(first.body.token);
    keep('second session token', again.body.token);
    const h = { authorization: `Bearer ${again.body.token}` };

    const k2 = idemKey();
    const enrol = await request(api.url, 'POST', '/auth/mfa/enroll', undefined, { ...h, 'idempotency-key': k2 });
    expect(enrol.status, JSON.stringify(enrol.body)).toBe(200);
    keep('TOTP secret', enrol.body.secret);
    const enrolAgain = await request(api.url, 'POST', '/auth/mfa/enroll', undefined, { ...h, 'idempotency-key': k2 });
    expect(enrolAgain.status).toBe(200);
    expect(enrolAgain.headers.get('idempotent-replayed')).toBeNull();
    keep('second TOTP secret', enrolAgain.body.secret);
    const secret: string = enrolAgain.body.secret;

    const confirmed = await request(api.url, 'POST', '/auth/mfa/confirm', { code: totpAt(secret, 0) }, { ...h, 'idempotency-key': idemKey() });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    for (const c of confirmed.body.recovery_codes as string[]) keep('recovery code', c);

    const next = await request(api.url, 'POST', '/auth/login', loginBody, { 'idempotency-key': idemKey(), 'x-forwarded-for': ip });
    expect(next.body.mfa_required).toBe(true);
    keep('third session token', next.body.token);
    const hn = { authorization: `Bearer ${next.body.token}` };
    const verified = await request(api.url, 'POST', '/auth/mfa/verify', { code: totpAt(secret, 1) }, { ...hn, 'idempotency-key': idemKey() });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);

    const keyName = `flow key ${randomUUID().slice(0, 8)}`;
    const k6 = idemKey();
    const keyBody = { name: keyName, scopes: ['orders:read'], entity_id: world.retailer.id };
    const created = await request(api.url, 'POST', '/api-keys', keyBody, { ...hn, 'idempotency-key': k6 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    keep('API key', created.body.key);
    keep('API key secret part', created.body.key.split('_').slice(2).join('_'));
    // Running it again would mint a second key; the answer held the key, so it was not kept.
    const replayed = await request(api.url, 'POST', '/api-keys', keyBody, { ...hn, 'idempotency-key': k6 });
    expect(replayed.status).toBe(409);
    expect(replayed.body.error).toMatchObject({ code: 'CONFLICT', details: { location: `/api/v1/api-keys/${created.body.id}` } });
    expect(await rows('SELECT id FROM api_keys WHERE name = ?', [keyName])).toHaveLength(1);

    // Inviting answers a one-time set-password link: not kept either, a retry points at the user.
    const k8 = idemKey();
    const inviteBody = { email: `invited-${randomUUID().slice(0, 8)}@test.trellis.local`, name: 'Invited', role: 'member', entity_id: world.retailer.id };
    const invited = await request(api.url, 'POST', '/users', inviteBody, { ...hn, 'idempotency-key': k8 });
    expect(invited.status, JSON.stringify(invited.body)).toBe(201);
    keep('invitation token', invited.body.invitation.token);
    const reinvited = await request(api.url, 'POST', '/users', inviteBody, { ...hn, 'idempotency-key': k8 });
    expect(reinvited.status).toBe(409);
    expect(reinvited.body.error.details.location).toBe(`/api/v1/users/${invited.body.user.id}`);

    // An ordinary operation still replays its stored answer, under a keyed fingerprint.
    const k7 = idemKey();
    const productBody = { entity_id: world.wholesaler.id, name: `Idempotent ${randomUUID().slice(0, 8)}`, category: 'Flower' };
    const product = await request(api.url, 'POST', '/products', productBody, { ...admin, 'idempotency-key': k7 });
    expect(product.status, JSON.stringify(product.body)).toBe(201);
    const productAgain = await request(api.url, 'POST', '/products', productBody, { ...admin, 'idempotency-key': k7 });
    expect(productAgain.status).toBe(201);
    expect(productAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(productAgain.body.id).toBe(product.body.id);
    const [stored] = await rows('SELECT request_hash FROM idempotency_keys WHERE idem_key = ?', [k7]);
    const canonical = `{${Object.entries(productBody).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
    expect(stored!.request_hash).not.toBe(createHash('sha256').update(`POST /api/v1/products\n${canonical}`).digest('hex'));

    expect((await request(api.url, 'POST', '/auth/logout', undefined, { ...hn, 'idempotency-key': idemKey() })).status).toBe(204);

    // The scan: every row of the idempotency table and the audit log, and every log line.
    const idem = await rows('SELECT * FROM idempotency_keys');
    expect(idem.filter((r) => String(r.path).includes('/auth/'))).toEqual([]);
    for (const k of [k6, k8]) expect(idem.find((r) => r.idem_key === k)).toMatchObject({ status: 'withheld', response_status: 201, response_body: null });
    // Every credential-bearing operation above is classified; none needed the shape check.
    expect(captured.join('\n')).not.toContain('looks like it carries a credential');
    const haystacks = {
      'idempotency table': JSON.stringify(idem),
      'audit log': JSON.stringify(await rows('SELECT * FROM audit_log')),
      logs: captured.join('\n'),
    };
    expect(haystacks.logs).toContain('/api/v1/auth/login'); // the request logs really were captured
    expect(haystacks['idempotency table']).toContain(k7);
    for (const [where, text] of Object.entries(haystacks)) {
      for (const [what, value] of secrets) expect(text.includes(value), `${what} found in the ${where}`).toBe(false);
    }
  });

  it('a replayed login does not bypass the lockout', async () => {
    const user = await createTestUser(deps, { role: 'member', entityId: world.retailer.id, password: 'replay-right-password' });
    const ip = freshIp();
    const good = idemKey();
    const body = { email: user.email, password: 'replay-right-password' };
    expect((await request(api.url, 'POST', '/auth/login', body, { 'idempotency-key': good, 'x-forwarded-for': ip })).status).toBe(200);
    const wrong = await Promise.all([1, 2, 3].map((i) => request(api.url, 'POST', '/auth/login', { ...body, password: `wrong-${i}` }, { 'idempotency-key': idemKey(), 'x-forwarded-for': ip })));
    expect(wrong.map((r) => r.status)).toContain(429);
    const replay = await request(api.url, 'POST', '/auth/login', body, { 'idempotency-key': good, 'x-forwarded-for': ip });
    expect(replay.status).toBe(429);
    expect(replay.body.token).toBeUndefined();
  });

  it("a died request's pending key is released after the lease, not held for 24 h", async () => {
    // The first request runs in a separate API process that is killed while the request waits
    // on a row lock held here: it never answers and never cleans up, like a crashed replica.
    const port = await getPort();
    child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', IDEMPOTENCY_LEASE: `${LEASE_MS}ms`, LOG_LEVEL: 'error', SANDBOXES: 'false' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const childUrl = `http://127.0.0.1:${port}`;
    await until('the child API', async () => ((await fetch(`${childUrl}/healthz`).catch(() => undefined))?.ok ? true : undefined), 60_000, 250);

    const key = idemKey();
    const body = { entity_id: world.wholesaler.id, name: `Leased ${randomUUID().slice(0, 8)}`, category: 'Flower' };
    const lock = await deps.sequelize.transaction();
    await deps.sequelize.query('SELECT id FROM entities WHERE id = ? FOR UPDATE', { replacements: [world.wholesaler.id], transaction: lock });
    void request(childUrl, 'POST', '/products', body, { ...admin, 'idempotency-key': key }).catch(() => undefined);
    const pending = await until('the pending key', async () => (await rows("SELECT expires_at FROM idempotency_keys WHERE idem_key = ? AND status = 'pending'", [key]))[0], 20_000);
    // Leased, not reserved for a day.
    expect(new Date(pending.expires_at as string).getTime() - Date.now()).toBeLessThanOrEqual(LEASE_MS + 1000);
    await sleep(LEASE_MS / 2); // the child renews its lease meanwhile

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const killedAt = Date.now();
    // The database would still run the dead process's blocked INSERT once the lock is gone;
    // a real crash leaves the same orphan, ended here as the server ends dead sessions.
    const [db] = await rows('SELECT DATABASE() AS name');
    for (const p of await rows("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'INSERT%products%' AND ID <> CONNECTION_ID()", [db!.name])) {
      await deps.sequelize.query(`KILL ${Number(p.ID)}`).catch(() => undefined);
    }
    await lock.rollback();

    // Within the lease the key is still held: the request might have been alive.
    const early = await request(api.url, 'POST', '/products', body, { ...admin, 'idempotency-key': key });
    expect(early.status, JSON.stringify(early.body)).toBe(409);
    expect(early.body.error.code).toBe('CONFLICT');

    const done = await until(
      'the lease to run out',
      async () => {
        const r = await request(api.url, 'POST', '/products', body, { ...admin, 'idempotency-key': key });
        return r.status === 409 ? undefined : r;
      },
      LEASE_MS * 4,
      250,
    );
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 3000);
    expect(await rows('SELECT id FROM products WHERE name = ?', [body.name])).toHaveLength(1);
    const replay = await request(api.url, 'POST', '/products', body, { ...admin, 'idempotency-key': key });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(done.body.id);
  });

  it('a slow request that is alive keeps its key past the lease and runs once', async () => {
    const key = idemKey();
    const body = { entity_id: world.wholesaler.id, name: `Slow ${randomUUID().slice(0, 8)}`, category: 'Flower' };
    const lock = await deps.sequelize.transaction();
    await deps.sequelize.query('SELECT id FROM entities WHERE id = ? FOR UPDATE', { replacements: [world.wholesaler.id], transaction: lock });
    const slow = request(api.url, 'POST', '/products', body, { ...admin, 'idempotency-key': key });
    await until('the pending key', async () => (await rows("SELECT id FROM idempotency_keys WHERE idem_key = ? AND status = 'pending'", [key]))[0], 20_000);
    await sleep(LEASE_MS + 1500);
    const retry = await request(api.url, 'POST', '/products', body, { ...admin, 'idempotency-key': key });
    expect(retry.status).toBe(409);
    await lock.rollback();
    expect((await slow).status).toBe(201);
    expect(await rows('SELECT id FROM products WHERE name = ?', [body.name])).toHaveLength(1);
  });
});
