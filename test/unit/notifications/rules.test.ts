import { describe, expect, it } from 'vitest';
import { NOTIFICATION_EVENT_TYPES } from '../../../domain/notifications/events.js';
import { audienceOf, channelsFor, NOTIFICATION_RULES } from '../../../domain/notifications/rules.js';
import { inQuietHours, preferenceProblem, type Preferences } from '../../../domain/notifications/preferences.js';

describe('who gets what', () => {
  it('every event has a rule with recipients and email', () => {
    for (const t of NOTIFICATION_EVENT_TYPES) {
      expect(NOTIFICATION_RULES[t].recipients.length).toBeGreaterThan(0);
      expect(NOTIFICATION_RULES[t].channels).toContain('email');
    }
  });

  it('maps recipient roles to the users table', () => {
    expect(audienceOf('order.accepted')).toEqual({ entityRoles: ['owner', 'member'], staffRoles: [], requester: false });
    expect(audienceOf('metrc.dead_lettered')).toEqual({ entityRoles: [], staffRoles: ['compliance'], requester: false });
    expect(audienceOf('pos.credentials_failed')).toEqual({ entityRoles: ['owner'], staffRoles: ['operator'], requester: false });
    expect(audienceOf('report.ready')).toEqual({ entityRoles: [], staffRoles: [], requester: true });
  });

  it('SMS only for urgent events and users with a number; switches turn channels off', () => {
    expect(channelsFor('order.accepted', { hasPhone: true })).toEqual(['email', 'in_app']);
    expect(channelsFor('metrc.parked', { hasPhone: true })).toEqual(['email', 'sms', 'in_app']);
    expect(channelsFor('metrc.parked', { hasPhone: false })).toEqual(['email', 'in_app']);
    expect(channelsFor('metrc.parked', { hasPhone: true, switches: { compliance: { email: false } } })).toEqual(['sms', 'in_app']);
    expect(channelsFor('metrc.parked', { hasPhone: true, switches: { orders: { email: false } } })).toEqual(['email', 'sms', 'in_app']);
  });
});

const prefs = (p: Partial<Preferences>): Preferences => ({ switches: {}, quietStart: null, quietEnd: null, timezone: null, digest: 'immediate', phone: null, ...p });

describe('preferences', () => {
  it('names the field at fault', () => {
    expect(preferenceProblem(prefs({}))).toBeUndefined();
    expect(preferenceProblem(prefs({ phone: '303-555-0100' }))?.field).toBe('phone');
    expect(preferenceProblem(prefs({ phone: '+13035550100' }))).toBeUndefined();
    expect(preferenceProblem(prefs({ quietStart: '22:00', quietEnd: '07:00', timezone: 'Mars/Olympus' }))?.field).toBe('quiet_hours.timezone');
    expect(preferenceProblem(prefs({ quietStart: '25:00', quietEnd: '07:00', timezone: 'UTC' }))?.field).toBe('quiet_hours.start');
    expect(preferenceProblem(prefs({ switches: { weather: { email: false } } as never }))?.field).toBe('channels.weather');
  });

  it('quiet hours in the user’s zone, across midnight', () => {
    const q = { quietStart: '22:00', quietEnd: '07:00', timezone: 'America/Denver' };
    expect(inQuietHours(q, new Date('2026-12-05T06:00:00Z'))).toBe(true); // 23:00 in Denver
    expect(inQuietHours(q, new Date('2026-12-05T13:30:00Z'))).toBe(true); // 06:30
    expect(inQuietHours(q, new Date('2026-12-05T15:00:00Z'))).toBe(false); // 08:00
    expect(inQuietHours({ quietStart: '09:00', quietEnd: '17:00', timezone: 'UTC' }, new Date('2026-12-05T12:00:00Z'))).toBe(true);
    expect(inQuietHours({ quietStart: null, quietEnd: null, timezone: null }, new Date())).toBe(false);
  });
});

describe('no storms', () => {
  it('routes email: bursty after the first → digest; non-urgent for hourly users → digest; urgent first → now', async () => {
    const { emailRoute } = await import('../../../domain/notifications/rules.js');
    expect(emailRoute('metrc.dead_lettered', { digest: 'immediate', firstInWindow: true })).toBe('now');
    expect(emailRoute('metrc.dead_lettered', { digest: 'immediate', firstInWindow: false })).toBe('digest');
    expect(emailRoute('metrc.dead_lettered', { digest: 'hourly', firstInWindow: true })).toBe('now');
    expect(emailRoute('order.shipped', { digest: 'hourly', firstInWindow: true })).toBe('digest');
    expect(emailRoute('order.shipped', { digest: 'immediate', firstInWindow: false })).toBe('now');
  });

  it('a digest lists 50, counts the rest and escapes what it shows', async () => {
    const { renderDigest, digestWorkflowId } = await import('../../../domain/notifications/digest.js');
    const events = Array.from({ length: 60 }, (_, i) => ({ type: 'metrc.dead_lettered' as const, key: `k${i}`, facts: { license: `<L${i}>`, submissionKind: 'receipt' } }));
    const d = renderDigest('compliance', events, 75, 'https://hub.test/', 'https://hub.test/api/v1/notifications/unsubscribe?token=t');
    expect(d.subject).toBe('75 METRC alerts in Trellis');
    expect(d.text.match(/^- /gm)).toHaveLength(50);
    expect(d.text).toContain('… and 25 more.');
    expect(d.link).toBe('https://hub.test/compliance');
    expect(d.html).toContain('&lt;L0&gt;');
    expect(d.html).not.toContain('<L0>');
    expect(digestWorkflowId('u1', 'pos')).toBe('notify-digest:email:u1:pos');
  });
});
