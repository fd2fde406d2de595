/**
 * Console Sentry (issue 18): nothing is imported unless the page the API serves names a DSN; when
 * it does, the SDK starts with the API's release and environment and every event and breadcrumb is
 * scrubbed of emails, tokens and query strings. The API side: the settings block and the CSP.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { consoleRoutes } from '../../../api/console.js';
import { consoleSentry } from '../../../platform/telemetry/settings.js';
import { readConsoleConfig, scrubBreadcrumb, scrubEvent, scrubText, startSentry } from '../../../web/src/lib/sentry.js';

/** Just enough of a document: the element the console reads its settings from. */
const pageWith = (html: string) => ({
  getElementById: (id: string) => {
    const m = new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`).exec(html);
    return m ? { textContent: m[1]! } : null;
  },
});

async function serve(settings: Parameters<typeof consoleRoutes>[1]) {
  const dir = mkdtempSync(join(tmpdir(), 'console-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><title>Trellis</title></head><body><script>start()</script></body></html>');
  const app = express().use(consoleRoutes(dir, settings));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/reports`);
  const out = { html: await res.text(), csp: res.headers.get('content-security-policy') ?? '' };
  server.close();
  return out;
}

describe('console Sentry', () => {
  it('without a DSN: no settings block, a CSP that connects to the API only, and @sentry/browser never imported', async () => {
    expect(consoleSentry({})).toBeUndefined();
    const { html, csp } = await serve({});
    expect(html).not.toContain('trellis-console-config');
    expect(csp).toContain("connect-src 'self';");
    let imported = 0;
    const started = await startSentry(pageWith(html), async () => {
      imported += 1;
      throw new Error('must not be loaded');
    });
    expect(started).toBe(false);
    expect(imported).toBe(0);
  });

  it('with a DSN: the page names it with release and environment, the CSP lets events out, the SDK starts scrubbed', async () => {
    const sentry = consoleSentry({ CONSOLE_SENTRY_DSN: 'https://abc123@o1.ingest.sentry.io/42', TRELLIS_RELEASE: '2.3.4', NODE_ENV: 'production' });
    expect(sentry).toEqual({ dsn: 'https://abc123@o1.ingest.sentry.io/42', origin: 'https://o1.ingest.sentry.io', release: '2.3.4', environment: 'production' });
    expect(consoleSentry({ SENTRY_DSN: 'https://k@sentry.example/7' })?.dsn).toBe('https://k@sentry.example/7');
    expect(() => consoleSentry({ CONSOLE_SENTRY_DSN: 'not a dsn' })).toThrow(/CONSOLE_SENTRY_DSN/);
    const { html, csp } = await serve({ sentry: sentry! });
    expect(csp).toContain("connect-src 'self' https://o1.ingest.sentry.io;");
    expect(readConsoleConfig(pageWith(html))).toEqual({ sentry: { dsn: sentry!.dsn, release: '2.3.4', environment: 'production' } });

    const inits: Array<Record<string, unknown>> = [];
    const started = await startSentry(pageWith(html), async () => ({ init: (o: Record<string, unknown>) => void inits.push(o), captureException: () => '' }) as never);
    expect(started).toBe(true);
    expect(inits).toHaveLength(1);
    expect(inits[0]).toMatchObject({ dsn: sentry!.dsn, release: '2.3.4', environment: 'production', sendDefaultPii: false });
    expect(inits[0]!.beforeSend).toBe(scrubEvent);
  });

  it('scrubs emails, tokens and query strings from events and breadcrumbs', () => {
    expect(scrubText('GET /set-password?token=tri_abcdefghijklmnop failed for ana@shop.example')).toBe('GET /set-password failed for [email]');
    expect(scrubText('Authorization: Bearer trs_secretsecret and key trk_live_123')).toBe('Authorization: Bearer [token] and key [token]');
    expect(scrubText('https://hub.example/api/v1/notifications/unsubscribe?token=xyz#frag')).toBe('https://hub.example/api/v1/notifications/unsubscribe#frag');
    const event = scrubEvent({
      type: undefined,
      message: 'could not reach ana@shop.example',
      user: { email: 'ana@shop.example', ip_address: '10.0.0.1' },
      request: { url: 'https://hub.example/login?next=/orders&email=ana@shop.example', headers: { cookie: 'trellis_session=trs_x' }, query_string: 'next=/orders' },
      exception: { values: [{ type: 'Error', value: 'session trs_abc expired for bo@x.example' }] },
      extra: { form: { password: 'hunter2' } },
      breadcrumbs: [{ category: 'fetch', data: { url: '/api/v1/reports?token=abc', method: 'GET', status_code: 200, body: 'secret' } }],
    });
    expect(event.user).toBeUndefined();
    expect(event.extra).toBeUndefined();
    expect(event.request).toEqual({ url: 'https://hub.example/login' });
    expect(event.message).toBe('could not reach [email]');
    expect(event.exception?.values?.[0]?.value).toBe('session [token] expired for [email]');
    expect(event.breadcrumbs).toEqual([{ category: 'fetch', data: { url: '/api/v1/reports', method: 'GET', status_code: 200 } }]);
    expect(scrubBreadcrumb({ category: 'navigation', data: { from: '/set-password?token=tri_x', to: '/orders?q=ana@shop.example' } }).data).toEqual({ from: '/set-password', to: '/orders' });
    expect(scrubBreadcrumb({ category: 'console', message: 'signed in as ana@shop.example' }).message).toBe('signed in as [email]');
  });
});
