/**
 * My notification preferences over real HTTP (issue 16): defaults, a round trip, 422 naming the
 * field for a bad phone number / time zone, and the public one-click unsubscribe (idempotent,
 * forged tokens refused) turning only that category's email off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSession, createTestUser } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { keyringOf } from '../../../platform/crypto.js';
import { unsubscribeToken } from '../../../platform/unsubscribeToken.js';

describe('notification preferences', () => {
  const deps = createDeps();
  let api: RunningApi;
  let user: { id: string };
  let me: Record<string, string>;
  const path = '/auth/me/notification-preferences';

  beforeAll(async () => {
    api = await startApi(deps);
    user = await createTestUser(deps, { role: 'compliance' });
    me = { authorization: `Bearer ${await createTestSession(deps, user.id)}` };
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('starts at the defaults and stores what is put, the phone in notification_contacts', async () => {
    const got = await request(api.url, 'GET', path, undefined, me);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ channels: {}, quiet_hours: null, digest: 'immediate', phone: null });
    const want = { channels: { orders: { email: false }, compliance: { sms: true } }, quiet_hours: { start: '22:00', end: '07:00', timezone: 'America/Denver' }, digest: 'hourly', phone: '+13035550142' };
    const put = await request(api.url, 'PUT', path, want, me);
    expect(put.status).toBe(200);
    expect(put.body).toEqual(want);
    expect((await request(api.url, 'GET', path, undefined, me)).body).toEqual(want);
    const [rows] = await deps.sequelize.query('SELECT phone FROM notification_contacts WHERE user_id = ?', { replacements: [user.id] });
    expect(rows).toEqual([{ phone: '+13035550142' }]);
  });

  it('refuses a phone number that is not E.164 and an unknown time zone with 422 naming the field', async () => {
    const base = { channels: {}, quiet_hours: null, digest: 'immediate' };
    const phone = await request(api.url, 'PUT', path, { ...base, phone: '303-555-0142' }, me);
    expect(phone.status).toBe(422);
    expect(phone.body.error.details.field).toBe('phone');
    const tz = await request(api.url, 'PUT', path, { ...base, phone: null, quiet_hours: { start: '22:00', end: '07:00', timezone: 'Mars/Olympus' } }, me);
    expect(tz.status).toBe(422);
    expect(tz.body.error.details.field).toBe('quiet_hours.timezone');
    expect((await request(api.url, 'PUT', path, { ...base, phone: null, digest: 'weekly' }, me)).status).toBe(400);
    expect((await request(api.url, 'GET', path, undefined, {})).status).toBe(401);
  });

  it('one click turns that category’s email off, twice is the same, a forged token is refused', async () => {
    await request(api.url, 'PUT', path, { channels: { compliance: { sms: false } }, quiet_hours: null, digest: 'immediate', phone: null }, me);
    const token = unsubscribeToken(keyringOf(deps.config), user.id, 'compliance');
    for (let i = 0; i < 2; i++) {
      const r = await request(api.url, 'GET', `/notifications/unsubscribe?token=${encodeURIComponent(token)}`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ category: 'compliance', email: false });
    }
    const after = await request(api.url, 'GET', path, undefined, me);
    expect(after.body.channels).toEqual({ compliance: { sms: false, email: false } });
    // A mail client's one-click (RFC 8058): a form POST to the List-Unsubscribe URL, same answer.
    const oneClick = await fetch(`${api.url}/api/v1/notifications/unsubscribe?token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.json()).toEqual({ category: 'compliance', email: false });
    const forged = `${token.split('.')[0]}.${'0'.repeat(32)}`;
    const bad = await request(api.url, 'GET', `/notifications/unsubscribe?token=${encodeURIComponent(forged)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('token');
  });
});
