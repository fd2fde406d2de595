/**
 * Issue 13 items 7 and 10 (MFA): operators are platform-wide, so they owe a second factor like
 * admins; and a second factor can only be replaced by someone who holds it (or a recovery code).
 * Real HTTP against the API, real database and Redis.
 */
import { randomInt } from 'node:crypto';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSession, createTestUser } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

describe('security: operator MFA and MFA re-enrolment', () => {
  const deps = createDeps();
  let api: RunningApi;
  // Redis outlives a run: a fresh client address per login keeps throttles of other runs out.
  const login = (email: string, password: string) =>
    request(api.url, 'POST', '/auth/login', { email, password }, { 'x-forwarded-for': `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 250)}` });
  const pending = async (userId: string) => {
    const [rows] = await deps.sequelize.query('SELECT mfa_pending_secret_enc FROM users WHERE id = ?', { replacements: [userId] });
    return (rows as Array<{ mfa_pending_secret_enc: string | null }>)[0]!.mfa_pending_secret_enc;
  };

  beforeAll(async () => {
    api = await startApi(deps);
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('an operator without a second factor signs in only to enrol one: everything else is MFA_REQUIRED', async () => {
    const operator = await createTestUser(deps, { role: 'operator', mfa: false, password: 'operator-no-mfa-1' });
    const r = await login(operator.email, 'operator-no-mfa-1');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ mfa_required: true, mfa_enrollment_required: true });
    const h = { authorization: `Bearer ${r.body.token}` };
    for (const [method, path, body] of [
      ['GET', '/orders', undefined],
      ['GET', '/pos-connections', undefined],
      ['GET', '/workflows', undefined],
      ['POST', '/pos-connections', { entity_id: '00000000-0000-4000-8000-000000000000', location_id: '00000000-0000-4000-8000-000000000000', vendor: 'dutchie', credentials: {} }],
    ] as const) {
      const denied = await request(api.url, method, path, body, h);
      expect(denied.status, `${method} ${path}`).toBe(401);
      expect(denied.body.error.code, `${method} ${path}`).toBe('MFA_REQUIRED');
    }
    // Enrolment is what the pending session is for.
    expect((await request(api.url, 'POST', '/auth/mfa/enroll', undefined, h)).status).toBe(200);
  });

  it('an operator with a factor is pending until the code, then works', async () => {
    const operator = await createTestUser(deps, { role: 'operator', password: 'operator-mfa-123' });
    expect(operator.totpSecret).toBeDefined();
    const r = await login(operator.email, 'operator-mfa-123');
    expect(r.body).toMatchObject({ mfa_required: true, mfa_enrollment_required: false });
    const h = { authorization: `Bearer ${r.body.token}` };
    expect((await request(api.url, 'GET', '/orders', undefined, h)).body.error.code).toBe('MFA_REQUIRED');
    const ok = await request(api.url, 'POST', '/auth/mfa/verify', { code: authenticator.generate(operator.totpSecret!) }, h);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await request(api.url, 'GET', '/orders', undefined, h)).status).toBe(200);
  });

  it('replacing an enrolled factor needs the current one: none → 422, wrong → 401, nothing pending either way', async () => {
    const admin = await createTestUser(deps, { role: 'admin' });
    const h = { authorization: `Bearer ${await createTestSession(deps, admin.id)}` };

    const none = await request(api.url, 'POST', '/auth/mfa/enroll', undefined, h);
    expect(none.status, JSON.stringify(none.body)).toBe(422);
    expect(none.body.error).toMatchObject({ code: 'UNPROCESSABLE_ENTITY', details: { field: 'current_code' } });
    const empty = await request(api.url, 'POST', '/auth/mfa/enroll', {}, h);
    expect(empty.status).toBe(422);
    const wrong = await request(api.url, 'POST', '/auth/mfa/enroll', { current_code: '000000' }, h);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
    expect(await pending(admin.id)).toBeNull();

    const ok = await request(api.url, 'POST', '/auth/mfa/enroll', { current_code: authenticator.generate(admin.totpSecret!) }, h);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.secret).toMatch(/^[A-Z2-7]+$/);
    expect(await pending(admin.id)).not.toBeNull();
  });

  it('a recovery code also authorises re-enrolment, once', async () => {
    // Enrol from scratch through the API to get real recovery codes.
    const user = await createTestUser(deps, { role: 'compliance', mfa: false });
    const h = { authorization: `Bearer ${await createTestSession(deps, user.id, false)}` };
    const first = await request(api.url, 'POST', '/auth/mfa/enroll', undefined, h);
    expect(first.status).toBe(200);
    const confirmed = await request(api.url, 'POST', '/auth/mfa/confirm', { code: authenticator.generate(first.body.secret) }, h);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    const [code] = confirmed.body.recovery_codes as string[];

    expect((await request(api.url, 'POST', '/auth/mfa/enroll', undefined, h)).status).toBe(422);
    const withRecovery = await request(api.url, 'POST', '/auth/mfa/enroll', { current_code: code }, h);
    expect(withRecovery.status, JSON.stringify(withRecovery.body)).toBe(200);
    const again = await request(api.url, 'POST', '/auth/mfa/enroll', { current_code: code }, h);
    expect(again.status).toBe(401);
  });
});
