/**
 * `npm run create-admin` as a new customer runs it: a child process, in production mode, against
 * a freshly migrated database of its own (the run's shared database already has admins). Then
 * the printed password and TOTP secret sign in through the API.
 */
import { execFile } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../../../db/connection.js';
import { migrateUp } from '../../../scripts/migrate.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import type { ApiDeps } from '../../../api/deps.js';

const run = promisify(execFile);
const APP_SECRET = `create-admin-test-${randomUUID()}`;

describe('npm run create-admin', () => {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${url.pathname.slice(1, 40)}_admin`;
  const databaseUrl = url.toString();
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    APP_SECRET,
    METRC_BASE_URL: 'https://api-co.metrc.com',
    LOG_LEVEL: 'silent',
  };
  const createAdmin = async (...args: string[]) => {
    try {
      const r = await run('node_modules/.bin/tsx', ['scripts/create-admin.ts', ...args], { env, timeout: 60_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };
  let deps: ApiDeps;
  let api: RunningApi;

  beforeAll(async () => {
    await migrateUp(databaseUrl, true);
    deps = createDeps({ DATABASE_URL: databaseUrl, APP_SECRET });
    api = await startApi(deps);
  });
  afterAll(async () => {
    await api?.close();
    if (deps) await closeDeps(deps);
    await dropDatabase(databaseUrl).catch(() => undefined);
  });

  it('creates the first admin once, prints the secrets once, and refuses a second run without --force', async () => {
    const weak = await createAdmin('--email', 'first@example.test', '--password', 'short');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('min_length');

    const first = await createAdmin('--email', 'First@Example.test', '--name', 'First Admin');
    expect(first.code, first.stderr).toBe(0);
    const password = /password:\s+(\S+)/.exec(first.stdout)?.[1];
    const secret = /TOTP secret:\s+(\S+)/.exec(first.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(first.stdout).toMatch(/otpauth:\/\/totp\/Trellis:first%40example\.test\?secret=/);

    // Stored like every other user: argon2 hash, sealed TOTP secret; neither appears in clear.
    const [rows] = await deps.sequelize.query("SELECT role, password_hash, mfa_secret_enc, mfa_enabled FROM users WHERE email = 'first@example.test'");
    const row = (rows as Array<Record<string, unknown>>)[0]!;
    expect(row).toMatchObject({ role: 'admin', mfa_enabled: 1 });
    expect(String(row.password_hash)).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(rows)).not.toContain(password);

    const second = await createAdmin('--email', 'second@example.test');
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('An admin already exists');
    const [count] = await deps.sequelize.query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin'");
    expect(Number((count as Array<{ n: number }>)[0]!.n)).toBe(1);

    const forced = await createAdmin('--email', 'second@example.test', '--password', 'a-long-enough-passphrase-7', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).not.toContain('a-long-enough-passphrase-7');
    expect((await createAdmin('--email', 'second@example.test', '--force')).code).toBe(1); // taken

    // Sign in with what was printed: password, then a code from the secret.
    const ip = `10.9.${randomInt(256)}.${randomInt(1, 250)}`;
    const login = await request(api.url, 'POST', '/auth/login', { email: 'first@example.test', password }, { 'x-forwarded-for': ip });
    expect(login.status).toBe(200);
    expect(login.body.mfa_required).toBe(true);
    const bearer = { authorization: `Bearer ${login.body.token}` };
    const verify = await request(api.url, 'POST', '/auth/mfa/verify', { code: authenticator.generate(secret!) }, bearer);
    expect(verify.status).toBe(200);
    const users = await request(api.url, 'GET', '/users', undefined, bearer);
    expect(users.status).toBe(200);
    expect(users.body.data.map((u: { email: string }) => u.email).sort()).toEqual(['first@example.test', 'second@example.test']);
  });
});
