/**
 * Users API (issue 15): invite → set-password → sign in; tenant confinement of owners; duplicate
 * emails; password rules; single-use, expiring links; deactivation ending sessions and keys at
 * once; admin MFA reset. Real HTTP, real database and Redis.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, createTestSession, createTestUser, headersFor } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

const GOOD_PASSWORD = 'plum-orchard-velvet-42';

describe('users: invitations, roles, deactivation', () => {
  const deps = createDeps();
  let api: RunningApi;
  let admin: Record<string, string>;
  let world: Awaited<ReturnType<typeof createWorld>>;
  let other: Awaited<ReturnType<typeof createWorld>>;
  let owner: Record<string, string>;

  const freshIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 250)}`;
  const email = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.test`;
  const login = (e: string, password: string) => request(api.url, 'POST', '/auth/login', { email: e, password }, { 'x-forwarded-for': freshIp() });
  const usersNamed = async (e: string) => {
    const [rows] = await deps.sequelize.query('SELECT id FROM users WHERE email = ?', { replacements: [e] });
    return (rows as unknown[]).length;
  };

  beforeAll(async () => {
    api = await startApi(deps);
    admin = await adminHeaders(deps);
    world = await createWorld(api.url, admin);
    other = await createWorld(api.url, admin);
    owner = await headersFor(deps, { role: 'owner', entityId: world.wholesaler.id });
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('invite → set password → sign in; the link works once and only its hash is stored', async () => {
    const e = email('owner');
    const inv = await request(api.url, 'POST', '/users', { email: e.toUpperCase(), name: 'New Owner', role: 'owner', entity_id: world.wholesaler.id }, admin);
    expect(inv.status).toBe(201);
    expect(inv.headers.get('cache-control')).toBe('no-store');
    expect(inv.body.user).toMatchObject({ email: e, role: 'owner', entity_id: world.wholesaler.id, status: 'invited' });
    const token: string = inv.body.invitation.token;
    expect(inv.body.invitation.url).toContain(`/set-password#token=${token}`);

    // Not signable before a password is chosen.
    expect((await login(e, 'anything-at-all-123')).status).toBe(401);

    const [rows] = await deps.sequelize.query('SELECT token_hash FROM user_invitations WHERE user_id = ?', { replacements: [inv.body.user.id] });
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(token.slice(4));
    const [auditRows] = await deps.sequelize.query("SELECT summary FROM audit_log WHERE target_id = ? AND action = 'user.invited'", { replacements: [inv.body.user.id] });
    expect((auditRows as unknown[]).length).toBe(1);
    expect(JSON.stringify(auditRows)).not.toContain(token.slice(4));

    // A weak password names the rule and leaves the link usable.
    const weak = await request(api.url, 'POST', '/auth/set-password', { token, password: 'short' });
    expect(weak.status).toBe(422);
    expect(weak.body.error.details).toMatchObject({ field: 'password', rule: 'min_length' });
    const repetitive = await request(api.url, 'POST', '/auth/set-password', { token, password: 'aaaaaaaaaaaabbbb' });
    expect(repetitive.body.error.details.rule).toBe('too_repetitive');
    const mine = await request(api.url, 'POST', '/auth/set-password', { token, password: `${e.split('@')[0]}-xyz!` });
    expect(mine.body.error.details.rule).toBe('contains_email');

    const ok = await request(api.url, 'POST', '/auth/set-password', { token, password: GOOD_PASSWORD });
    expect(ok.status).toBe(204);
    const again = await request(api.url, 'POST', '/auth/set-password', { token, password: 'another-good-password-9' });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('BAD_REQUEST');

    const signedIn = await login(e, GOOD_PASSWORD);
    expect(signedIn.status).toBe(200);
    const me = await request(api.url, 'GET', '/auth/me', undefined, { authorization: `Bearer ${signedIn.body.token}` });
    expect(me.body).toMatchObject({ role: 'owner', entity: { id: world.wholesaler.id } });
    const listed = await request(api.url, 'GET', `/users/${inv.body.user.id}`, undefined, admin);
    expect(listed.body.status).toBe('active');
  });

  it('expired, malformed and superseded links are refused', async () => {
    const e = email('member');
    const inv = await request(api.url, 'POST', '/users', { email: e, name: 'M', role: 'member', entity_id: world.retailer.id }, admin);
    expect(inv.status).toBe(201);
    await deps.sequelize.query('UPDATE user_invitations SET expires_at = ? WHERE user_id = ?', { replacements: [new Date(Date.now() - 1000), inv.body.user.id] });
    expect((await request(api.url, 'POST', '/auth/set-password', { token: inv.body.invitation.token, password: GOOD_PASSWORD })).status).toBe(400);
    expect((await request(api.url, 'POST', '/auth/set-password', { token: 'tri_guess', password: GOOD_PASSWORD })).status).toBe(400);
    expect((await request(api.url, 'POST', '/auth/set-password', { token: `tri_${'A'.repeat(43)}`, password: GOOD_PASSWORD })).status).toBe(400);

    const first = await request(api.url, 'POST', `/users/${inv.body.user.id}/invitation`, undefined, admin);
    const second = await request(api.url, 'POST', `/users/${inv.body.user.id}/invitation`, undefined, admin);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect((await request(api.url, 'POST', '/auth/set-password', { token: first.body.invitation.token, password: GOOD_PASSWORD })).status).toBe(400);
    expect((await request(api.url, 'POST', '/auth/set-password', { token: second.body.invitation.token, password: GOOD_PASSWORD })).status).toBe(204);
    // Two uses of one link at the same moment: exactly one wins.
    const racer = await request(api.url, 'POST', '/users', { email: email('race'), name: 'R', role: 'member', entity_id: world.retailer.id }, admin);
    const race = await Promise.all(
      ['first-racing-password-1', 'second-racing-password-2'].map((password) => request(api.url, 'POST', '/auth/set-password', { token: racer.body.invitation.token, password })),
    );
    expect(race.map((r) => r.status).sort()).toEqual([204, 400]);
    // Once a password is set there is nothing to re-invite.
    expect((await request(api.url, 'POST', `/users/${inv.body.user.id}/invitation`, undefined, admin)).status).toBe(409);
  });

  it('a retried invitation with an Idempotency-Key creates nothing twice and its link is never stored', async () => {
    const e = email('idem');
    const key = `idem-${randomUUID()}`;
    const body = { email: e, name: 'Idem', role: 'member', entity_id: world.retailer.id };
    const first = await request(api.url, 'POST', '/users', body, { ...admin, 'idempotency-key': key });
    expect(first.status).toBe(201);
    const again = await request(api.url, 'POST', '/users', body, { ...admin, 'idempotency-key': key });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).not.toContain(first.body.invitation.token);
    expect(await usersNamed(e)).toBe(1);
    const [rows] = await deps.sequelize.query('SELECT * FROM idempotency_keys WHERE idem_key = ?', { replacements: [key] });
    expect((rows as unknown[]).length).toBe(1);
    expect(JSON.stringify(rows)).not.toContain(first.body.invitation.token.slice(4));
  });

  it("deactivating an invitee voids their link for good; a new link after reactivation works", async () => {
    const inv = await request(api.url, 'POST', '/users', { email: email('paused'), name: 'P', role: 'member', entity_id: world.retailer.id }, admin);
    expect((await request(api.url, 'POST', `/users/${inv.body.user.id}/deactivate`, undefined, admin)).status).toBe(200);
    expect((await request(api.url, 'POST', '/auth/set-password', { token: inv.body.invitation.token, password: GOOD_PASSWORD })).status).toBe(400);
    expect((await request(api.url, 'POST', `/users/${inv.body.user.id}/reactivate`, undefined, admin)).status).toBe(200);
    expect((await request(api.url, 'POST', '/auth/set-password', { token: inv.body.invitation.token, password: GOOD_PASSWORD })).status).toBe(400);
    const fresh = await request(api.url, 'POST', `/users/${inv.body.user.id}/invitation`, undefined, admin);
    expect((await request(api.url, 'POST', '/auth/set-password', { token: fresh.body.invitation.token, password: GOOD_PASSWORD })).status).toBe(204);
  });

  it('a taken email is 409 in any case', async () => {
    const e = email('dup');
    expect((await request(api.url, 'POST', '/users', { email: e, name: 'A', role: 'operator' }, admin)).status).toBe(201);
    const dup = await request(api.url, 'POST', '/users', { email: e.toUpperCase(), name: 'B', role: 'member', entity_id: world.retailer.id }, admin);
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('CONFLICT');
    expect(await usersNamed(e)).toBe(1);
    const blank = await request(api.url, 'POST', '/users', { email: email('blank'), name: '   ', role: 'operator' }, admin);
    expect(blank.status).toBe(400);
    expect(blank.body.error.details.field).toBe('name');
  });

  it('an owner invites only owners and members of their own entity, and writes nothing otherwise', async () => {
    const staff = email('staff');
    const r1 = await request(api.url, 'POST', '/users', { email: staff, name: 'X', role: 'admin' }, owner);
    expect(r1.status).toBe(403);
    const foreign = email('foreign');
    const r2 = await request(api.url, 'POST', '/users', { email: foreign, name: 'X', role: 'member', entity_id: other.wholesaler.id }, owner);
    expect(r2.status).toBe(404);
    expect(await usersNamed(staff)).toBe(0);
    expect(await usersNamed(foreign)).toBe(0);

    const own = await request(api.url, 'POST', '/users', { email: email('mine'), name: 'Mine', role: 'member' }, owner);
    expect(own.status).toBe(201);
    expect(own.body.user.entity_id).toBe(world.wholesaler.id);
  });

  it("an owner sees and changes only their entity's users (404 otherwise)", async () => {
    const foreignUser = await createTestUser(deps, { role: 'member', entityId: other.retailer.id });
    const staffUser = await createTestUser(deps, { role: 'operator' });
    const list = await request(api.url, 'GET', `/users?entity_id=${other.retailer.id}&limit=200`, undefined, owner);
    expect(list.status).toBe(200);
    expect(list.body.data.every((u: { entity_id: string }) => u.entity_id === world.wholesaler.id)).toBe(true);
    const all = await request(api.url, 'GET', '/users?limit=200', undefined, owner);
    expect(all.body.data.length).toBeGreaterThan(0);
    expect(all.body.data.every((u: { entity_id: string }) => u.entity_id === world.wholesaler.id)).toBe(true);
    for (const id of [foreignUser.id, staffUser.id]) {
      expect((await request(api.url, 'GET', `/users/${id}`, undefined, owner)).status).toBe(404);
      expect((await request(api.url, 'PATCH', `/users/${id}`, { role: 'owner' }, owner)).status).toBe(404);
      expect((await request(api.url, 'POST', `/users/${id}/deactivate`, undefined, owner)).status).toBe(404);
    }
    const [rows] = await deps.sequelize.query('SELECT disabled_at, entity_role FROM users WHERE id = ?', { replacements: [foreignUser.id] });
    expect(rows).toEqual([{ disabled_at: null, entity_role: 'member' }]);

    // Admins search everyone.
    const found = await request(api.url, 'GET', `/users?q=${encodeURIComponent(staffUser.email.slice(0, 14))}`, undefined, admin);
    expect(found.body.data.map((u: { id: string }) => u.id)).toContain(staffUser.id);
    const paged = await request(api.url, 'GET', '/users?limit=1&page=2', undefined, admin);
    expect(paged.body.data).toHaveLength(1);
    expect(paged.body.pagination.total).toBeGreaterThan(1);
  });

  it('role changes: owner ↔ member by owners, platform roles by admins only; sessions end', async () => {
    const m = await createTestUser(deps, { role: 'member', entityId: world.wholesaler.id });
    const token = await createTestSession(deps, m.id);
    expect((await request(api.url, 'PATCH', `/users/${m.id}`, { role: 'admin' }, owner)).status).toBe(403);
    const up = await request(api.url, 'PATCH', `/users/${m.id}`, { role: 'owner' }, owner);
    expect(up.status).toBe(200);
    expect(up.body.role).toBe('owner');
    expect((await request(api.url, 'GET', '/auth/me', undefined, { authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await request(api.url, 'PATCH', `/users/${m.id}`, { role: 'operator' }, admin)).status).toBe(422);
    const [audits] = await deps.sequelize.query("SELECT action FROM audit_log WHERE target_id = ? AND action = 'user.role_changed'", { replacements: [m.id] });
    expect(audits).toHaveLength(1);
  });

  it('deactivation: the next request with the old session and the key they made is 401; reactivation lets them sign in', async () => {
    const e = email('leaver');
    const pw = 'leaver-password-quartz-7';
    const u = await createTestUser(deps, { role: 'owner', entityId: world.retailer.id, email: e, password: pw });
    const session = (await login(e, pw)).body.token as string;
    const headers = { authorization: `Bearer ${session}` };
    expect((await request(api.url, 'GET', '/orders', undefined, headers)).status).toBe(200); // warms the credential cache
    const key = await request(api.url, 'POST', '/api-keys', { name: 'pos', scopes: ['orders:read'] }, headers);
    expect(key.status).toBe(201);
    const keyHeaders = { authorization: `Bearer ${key.body.key}` };
    expect((await request(api.url, 'GET', '/orders', undefined, keyHeaders)).status).toBe(200);

    const off = await request(api.url, 'POST', `/users/${u.id}/deactivate`, undefined, admin);
    expect(off.status).toBe(200);
    expect(off.body.status).toBe('disabled');
    expect((await request(api.url, 'GET', '/orders', undefined, headers)).status).toBe(401);
    expect((await request(api.url, 'GET', '/orders', undefined, keyHeaders)).status).toBe(401);
    expect((await login(e, pw)).status).toBe(401);

    const on = await request(api.url, 'POST', `/users/${u.id}/reactivate`, undefined, admin);
    expect(on.body.status).toBe('active');
    expect((await request(api.url, 'GET', '/orders', undefined, headers)).status).toBe(401); // old session stays revoked
    expect((await login(e, pw)).status).toBe(200);
    const [audits] = await deps.sequelize.query("SELECT action FROM audit_log WHERE target_id = ? AND action IN ('user.deactivated', 'user.reactivated')", { replacements: [u.id] });
    expect(audits).toHaveLength(2);
  });

  it('nobody deactivates themselves', async () => {
    const me = await request(api.url, 'GET', '/auth/me', undefined, owner);
    const r = await request(api.url, 'POST', `/users/${me.body.user.id}/deactivate`, undefined, owner);
    expect(r.status).toBe(422);
  });

  it('MFA reset: admins only, audited, the user must enrol again', async () => {
    const c = await createTestUser(deps, { role: 'compliance' });
    expect((await request(api.url, 'POST', `/users/${c.id}/mfa-reset`, undefined, owner)).status).toBe(404); // not theirs to see
    const ownMember = await createTestUser(deps, { role: 'member', entityId: world.wholesaler.id, mfa: true });
    expect((await request(api.url, 'POST', `/users/${ownMember.id}/mfa-reset`, undefined, owner)).status).toBe(403);
    const [still] = await deps.sequelize.query('SELECT mfa_enabled FROM users WHERE id = ?', { replacements: [ownMember.id] });
    expect(still).toEqual([{ mfa_enabled: 1 }]);
    const r = await request(api.url, 'POST', `/users/${c.id}/mfa-reset`, undefined, admin);
    expect(r.status).toBe(200);
    expect(r.body.mfa_enabled).toBe(false);
    const signedIn = await login(c.email, c.password);
    expect(signedIn.body).toMatchObject({ mfa_required: true, mfa_enrollment_required: true });
    const [audits] = await deps.sequelize.query("SELECT summary FROM audit_log WHERE target_id = ? AND action = 'user.mfa_reset'", { replacements: [c.id] });
    expect(audits).toHaveLength(1);
  });
});
