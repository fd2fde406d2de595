import { describe, expect, it } from 'vitest';
import { NOTIFICATION_EVENT_TYPES, notificationWorkflowId, type NotificationFacts } from '../../../domain/notifications/events.js';
import { renderEmail } from '../../../domain/notifications/templates.js';
import { classifySmtpError } from '../../../integrations/mail/transport.js';
import { deliveryKey, messageIdFor } from '../../../activities/notifications.js';

const facts: NotificationFacts = {
  orderId: '0d6f2f9e-0000-4000-8000-000000000001',
  orderNumber: 'TR-261205-ABC123',
  retailerName: 'Corner <b>Store</b> & Co',
  wholesalerName: 'Green Valley',
  reason: 'out of "stock"',
  deadline: '2026-12-06T10:00:00.000Z',
  submissionId: 's-1',
  submissionKind: 'receipt',
  license: 'CO-123',
  error: 'METRC said no',
  connectionId: 'c-1',
  vendor: 'dutchie',
  entityName: 'Corner Store',
};

describe('email templates', () => {
  it('render a subject, a text and an HTML body with a console link for every event', () => {
    for (const type of NOTIFICATION_EVENT_TYPES) {
      const m = renderEmail({ type, facts }, 'https://hub.example/');
      expect(m.subject.length, type).toBeGreaterThan(5);
      expect(m.subject, type).not.toMatch(/[\r\n]/);
      expect(m.link.startsWith('https://hub.example/'), type).toBe(true);
      expect(m.link, type).not.toContain('//hub.example//');
      expect(m.text, type).toContain(m.link);
      expect(m.html, type).toContain('href="https://hub.example/');
    }
    const accepted = renderEmail({ type: 'order.accepted', facts }, 'https://hub.example');
    expect(accepted.link).toBe(`https://hub.example/orders/${facts.orderId}`);
    expect(accepted.text).toContain('TR-261205-ABC123');
  });

  it('escape facts in HTML and never show fields a template does not name', () => {
    const m = renderEmail({ type: 'order.submitted', facts }, 'https://hub.example');
    expect(m.html).toContain('Corner &lt;b&gt;Store&lt;/b&gt; &amp; Co');
    expect(m.html).not.toContain('<b>Store</b>');
    const leaky = { ...facts, password: 'hunter2-secret', apiKey: 'sk_live_SECRET', credentials: { location_key: 'LOC-SECRET' } } as NotificationFacts;
    for (const type of NOTIFICATION_EVENT_TYPES) {
      const r = renderEmail({ type, facts: leaky }, 'https://hub.example');
      for (const part of [r.subject, r.text, r.html]) expect(part, type).not.toMatch(/SECRET|hunter2/);
    }
  });

  it('subject lines cannot be split into extra headers', () => {
    const m = renderEmail({ type: 'order.accepted', facts: { ...facts, orderNumber: 'X\r\nBcc: evil@example.com' } }, 'https://hub.example');
    expect(m.subject).not.toMatch(/[\r\n]/);
  });
});

describe('delivery identity', () => {
  it('is the same for the same (event, recipient, channel) and differs otherwise', () => {
    const e = { type: 'order.accepted' as const, key: 'order.accepted:o:3' };
    expect(deliveryKey(e, 'u1', 'email')).toBe(deliveryKey(e, 'u1', 'email'));
    expect(deliveryKey(e, 'u1', 'email')).not.toBe(deliveryKey(e, 'u2', 'email'));
    expect(deliveryKey(e, 'u1', 'email')).not.toBe(deliveryKey({ ...e, key: 'order.accepted:o:4' }, 'u1', 'email'));
    expect(messageIdFor(deliveryKey(e, 'u1', 'email'), 'Trellis <n@mail.example>')).toMatch(/^<[0-9a-f]{40}@mail\.example>$/);
    expect(notificationWorkflowId(e.key, 'email', 'u1')).toBe('notify:email:u1:order.accepted:o:3');
  });
});

describe('SMTP outcomes', () => {
  it('tell a refusal (safe to resend) from a rejection and from an unknown outcome', () => {
    expect(classifySmtpError({ responseCode: 421, command: 'DATA' })).toBe('refused');
    expect(classifySmtpError({ responseCode: 550, command: 'RCPT TO' })).toBe('rejected');
    expect(classifySmtpError({ code: 'ECONNECTION', command: 'CONN' })).toBe('refused');
    expect(classifySmtpError({ code: 'ETIMEDOUT' })).toBe('unknown');
    expect(classifySmtpError(new Error('worker died'))).toBe('unknown');
  });
});
