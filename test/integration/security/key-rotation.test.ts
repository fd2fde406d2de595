/**
 * APP_SECRET rotation (issue 15), through the outside doors: secrets sealed and hashed under the
 * old key keep working with the old key as APP_SECRET_PREVIOUS (MFA sign-in, a partner API key,
 * the licence's METRC key, POS credentials); `npm run rotate-secrets` re-seals every row under
 * the new key (key id in each value changes), idempotently; with the previous key dropped
 * everything still works, except a partner API key nobody used during the window (its hash cannot
 * be re-keyed; the command counts such keys). A wrong previous key fails closed: sign-in refused, the command exits 1
 * naming the rows and writes nothing.
 */
import { execFile } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../../api/deps.js';
import { apiKeyCache } from '../../../api/services/authApiKeys.js';
import { csrfTokenFor } from '../../../api/services/authSessions.js';
import { dropDatabase } from '../../../db/connection.js';
import { loadUserKey } from '../../../db/repositories/metrcCredentials.js';
import { SEALED_COLUMNS } from '../../../db/repositories/rotateSecrets.js';
import { CREDENTIALS_PURPOSE } from '../../../domain/pos/credentials.js';
import { decryptSecret, keyIdOf, keyringOf, sealedKeyId } from '../../../platform/crypto.js';
import { migrateUp } from '../../../scripts/migrate.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { WHOLESALERS } from '../metrc/helpers.js';

const run = promisify(execFile);
const OLD = randomUUID() + randomUUID();
const NEW = randomUUID() + randomUUID();
const WRONG = randomUUID() + randomUUID();
const METRC_KEY = `metrc-user-key-${randomUUID()}`;

describe('APP_SECRET rotation', () => {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${url.pathname.slice(1, 40)}_rot`;
  const databaseUrl = url.toString();
  const opened: Array<{ deps: ApiDeps; api: RunningApi }> = [];
  const ip = () => `10.78.${randomInt(256)}.${randomInt(1, 250)}`;
  const prodEnv = (secrets: Record<string, string>) => ({ ...process.env, NODE_ENV: 'production', DATABASE_URL: databaseUrl, METRC_BASE_URL: 'https://api-co.metrc.com', LOG_LEVEL: 'silent', APP_SECRET_PREVIOUS: '', ...secrets });

  /** A hub process (its own config and pools) under the given keyring. */
  async function hub(current: string, previous = '') {
    const deps = createDeps({ DATABASE_URL: databaseUrl, APP_SECRET: current, APP_SECRET_PREVIOUS: previous });
    const api = await startApi(deps);
    opened.push({ deps, api });
    // Resolved keys are cached per process; these "processes" share one, so start each cold.
    apiKeyCache.forgetWhere(() => true);
    const call = (method: string, path: string, body?: unknown, token?: string) => request(api.url, method, path, body, token ? { authorization: `Bearer ${token}` } : {});
    return { deps, api, call };
  }

  const ok = <T extends { status: number; body: unknown }>(r: T, status = 200): T => {
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    return r;
  };

  let admin: { email: string; password: string; secret: string; id?: string };

  async function signIn(h: Awaited<ReturnType<typeof hub>>) {
    const login = ok(await request(h.api.url, 'POST', '/auth/login', { email: admin.email, password: admin.password }, { 'x-forwarded-for': ip() }));
    const token = login.body.token as string;
    // One TOTP step may be used once (replay guard); each sign-in here is a separate check of the sealed secret.
    const used = await h.deps.redis.keys('trellis:auth:totp-used:*');
    if (used.length) await h.deps.redis.del(...used);
    return { token, verify: await h.call('POST', '/auth/mfa/verify', { code: authenticator.generate(admin.secret) }, token) };
  }

  async function sealedValues(deps: ApiDeps) {
    const out: string[] = [];
    for (const c of SEALED_COLUMNS) {
      const [rows] = await deps.sequelize.query(`SELECT ${c.column} AS v FROM ${c.table} WHERE ${c.column} IS NOT NULL`);
      out.push(...(rows as Array<{ v: string }>).map((r) => r.v));
    }
    return out;
  }

  beforeAll(async () => {
    await migrateUp(databaseUrl, true);
  });
  afterAll(async () => {
    for (const { deps, api } of opened) {
      await api.close();
      await closeDeps(deps);
    }
    await dropDatabase(databaseUrl).catch(() => undefined);
  });

  it('old secrets work through the rotation window, the command re-seals them, the old key can go', async () => {
    // --- before: everything made under OLD --------------------------------------------------
    const { stdout } = await run('node_modules/.bin/tsx', ['scripts/create-admin.ts', '--email', 'root@rot.example'], { env: prodEnv({ APP_SECRET: OLD }), timeout: 60_000 });
    admin = { email: 'root@rot.example', password: /password:\s+(\S+)/.exec(stdout)![1]!, secret: /TOTP secret:\s+(\S+)/.exec(stdout)![1]! };

    const before = await hub(OLD);
    const s0 = await signIn(before);
    ok(s0.verify);
    const adminToken = s0.token;
    const until = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    const entity = ok(await before.call('POST', '/entities', { type: 'wholesaler', name: 'Rotated Wholesale', license_number: WHOLESALERS[0], license_state: 'CO', license_type: 'Wholesale', license_expires_on: until }, adminToken), 201).body;
    const location = ok(await before.call('POST', '/locations', { entity_id: entity.id, name: 'Vault', license_number: `${WHOLESALERS[0]}-V`, address_line1: '1 Main St', city: 'Denver', state: 'CO', postal_code: '80202' }, adminToken), 201).body;
    ok(await before.call('PUT', `/metrc-credentials/${WHOLESALERS[0]}`, { user_key: METRC_KEY }, adminToken));
    const pos = ok(await before.call('POST', '/pos-connections', { entity_id: entity.id, location_id: location.id, vendor: 'dutchie', credentials: { location_key: 'dutchie-location-key-1' }, paused: true }, adminToken), 201).body;
    const key = ok(await before.call('POST', '/api-keys', { entity_id: entity.id, name: 'partner', scopes: ['orders:read'] }, adminToken), 201).body.key as string;
    ok(await before.call('GET', '/orders', undefined, key));
    // A second key nobody uses during the rotation window: its hash cannot be re-made without it.
    const idle = ok(await before.call('POST', '/api-keys', { entity_id: entity.id, name: 'idle partner', scopes: ['orders:read'] }, adminToken), 201).body.key as string;

    const oldValues = await sealedValues(before.deps);
    expect(oldValues.length).toBe(3); // the admin's TOTP secret, the METRC key, the POS credentials
    expect(new Set(oldValues.map(sealedKeyId))).toEqual(new Set([keyIdOf(OLD)]));

    // --- a wrong previous key fails closed ----------------------------------------------------
    const wrong = await hub(NEW, WRONG);
    const sw = await signIn(wrong);
    expect(sw.verify.status).toBe(500);
    expect(JSON.stringify(sw.verify.body)).not.toContain(admin.secret);
    const refused = await run('node_modules/.bin/tsx', ['scripts/rotate-secrets.ts'], { env: prodEnv({ APP_SECRET: NEW, APP_SECRET_PREVIOUS: WRONG }), timeout: 60_000 }).then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stdout).toMatch(/3 secret\(s\) open under no configured key/);
    expect(refused?.stdout).toMatch(new RegExp(`sealed under key ${keyIdOf(OLD)}, which is neither APP_SECRET`));
    expect(refused?.stdout).toMatch(/Do not drop APP_SECRET_PREVIOUS/);
    for (const secret of [OLD, NEW, WRONG, METRC_KEY, admin.secret, 'dutchie-location-key-1']) {
      expect(refused!.stdout + refused!.stderr).not.toContain(secret);
    }
    expect(await sealedValues(before.deps)).toEqual(oldValues);

    // --- rotation window: APP_SECRET=NEW, APP_SECRET_PREVIOUS=OLD -------------------------------
    const during = await hub(NEW, OLD);
    ok((await signIn(during)).verify);
    // The console's session from before the rotation: its CSRF token was made under OLD.
    const cookieCall = (h: typeof during, csrf: string) =>
      request(h.api.url, 'POST', '/api-keys', { entity_id: entity.id, name: `console ${randomUUID()}`, scopes: ['orders:read'] }, { cookie: `trellis_session=${adminToken}`, 'x-csrf-token': csrf });
    ok(await cookieCall(during, csrfTokenFor(OLD, adminToken)), 201);
    expect((await cookieCall(during, csrfTokenFor(WRONG, adminToken))).status).toBe(403);
    ok(await during.call('GET', '/orders', undefined, key)); // verified under OLD, re-hashed under NEW
    expect(await loadUserKey(during.deps.sequelize, keyringOf(during.deps.config), WHOLESALERS[0]!)).toBe(METRC_KEY);

    const rotate = () => run('node_modules/.bin/tsx', ['scripts/rotate-secrets.ts'], { env: prodEnv({ APP_SECRET: NEW, APP_SECRET_PREVIOUS: OLD }), timeout: 60_000 });
    const first = await rotate();
    expect(first.stdout).toMatch(/user_mfa\s+scanned 1, re-sealed 1, already current 0/);
    expect(first.stdout).toMatch(/metrc_user_keys\s+scanned 1, re-sealed 1/);
    expect(first.stdout).toMatch(/pos_connections\s+scanned 1, re-sealed 1/);
    expect(first.stdout).toMatch(/1 live API key\(s\) not yet used under the current key/);
    const newValues = await sealedValues(during.deps);
    expect(new Set(newValues.map(sealedKeyId))).toEqual(new Set([keyIdOf(NEW)]));
    const again = await rotate();
    expect(again.stdout).toMatch(/user_mfa\s+scanned 1, re-sealed 0, already current 1/);
    expect(await sealedValues(during.deps)).toEqual(newValues);

    const [audits] = await during.deps.sequelize.query(`SELECT action, summary FROM audit_log WHERE action LIKE 'secrets.%' ORDER BY created_at, id`);
    expect((audits as Array<{ action: string }>).map((a) => a.action)).toEqual(['secrets.rotation_incomplete', 'secrets.rotated', 'secrets.rotated']);
    expect(JSON.stringify(audits)).not.toContain(METRC_KEY);

    // --- previous key dropped: everything still works under NEW alone ---------------------------
    const after = await hub(NEW);
    ok((await signIn(after)).verify);
    ok(await after.call('GET', '/orders', undefined, key));
    ok(await cookieCall(after, csrfTokenFor(NEW, adminToken)), 201);
    expect((await cookieCall(after, csrfTokenFor(OLD, adminToken))).status).toBe(403);
    expect(await loadUserKey(after.deps.sequelize, keyringOf(after.deps.config), WHOLESALERS[0]!)).toBe(METRC_KEY);
    // The key unused through the window stops working, as the command said; the used one works.
    expect((await after.call('GET', '/orders', undefined, idle)).status).toBe(401);
    const [posRows] = await after.deps.sequelize.query('SELECT credentials_enc FROM pos_connections WHERE id = ?', { replacements: [pos.id] });
    expect(JSON.parse(decryptSecret(NEW, CREDENTIALS_PURPOSE, (posRows as Array<{ credentials_enc: string }>)[0]!.credentials_enc))).toMatchObject({ locationKey: 'dutchie-location-key-1' });
    // and the old key alone no longer opens anything
    expect(() => decryptSecret(OLD, CREDENTIALS_PURPOSE, (posRows as Array<{ credentials_enc: string }>)[0]!.credentials_enc)).toThrow(/APP_SECRET_PREVIOUS/);
  }, 240_000);
});
