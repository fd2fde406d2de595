/**
 * Console Sentry in real headless Chromium against a local stand-in of Sentry's ingest endpoint:
 * with CONSOLE_SENTRY_DSN set, the console loads the browser SDK and an uncaught error reaches the
 * endpoint tagged with the API's release and environment, without the email, token or query string
 * its message and page URL carried. (Without a DSN nothing is loaded: reports.e2e.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { waitFor } from '../orders/helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('console Sentry (headless Chromium)', () => {
  const deps = createDeps();
  const received: string[] = [];
  const ingest = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'access-control-allow-origin': '*' }).end('{}');
    });
  });
  let api: RunningApi;
  let browser: Browser;
  const saved = { dsn: process.env.CONSOLE_SENTRY_DSN, release: process.env.TRELLIS_RELEASE };

  beforeAll(async () => {
    if (!existsSync('web/build/index.html')) execFileSync('npm', ['run', 'build', '--workspace', 'web'], { stdio: 'ignore' });
    await new Promise<void>((resolve) => ingest.listen(0, '127.0.0.1', resolve));
    // The console's settings are read from the environment when the app is made.
    process.env.CONSOLE_SENTRY_DSN = `http://publickey@127.0.0.1:${(ingest.address() as AddressInfo).port}/42`;
    process.env.TRELLIS_RELEASE = '9.8.7';
    api = await startApi(deps);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 300_000);

  afterAll(async () => {
    for (const [k, v] of [['CONSOLE_SENTRY_DSN', saved.dsn], ['TRELLIS_RELEASE', saved.release]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await browser?.close();
    await api?.close();
    await closeDeps(deps);
    await new Promise<void>((resolve) => ingest.close(() => resolve()));
  });

  it('an uncaught error reaches Sentry tagged and scrubbed', async () => {
    const page = await browser.newPage();
    const html = await (await fetch(`${api.url}/login?next=/orders&token=tri_secret123`)).text();
    expect(html).toContain('id="trellis-console-config"');
    await page.goto(`${api.url}/login?next=/orders&token=tri_secret123`);
    await page.getByLabel('Email').waitFor();
    // The SDK loads after the console started; an error thrown before it would not be seen.
    await waitFor('the Sentry SDK to start', async () => page.evaluate(() => Boolean((globalThis as { __SENTRY__?: unknown }).__SENTRY__)), 20_000);
    await page.evaluate(() => {
      setTimeout(() => {
        throw new Error('could not load orders for ana@shop.example with trs_sessiontoken123');
      });
    });
    const sent = await waitFor('the event at the ingest endpoint', async () => received.find((r) => r.includes('could not load orders')), 20_000);
    expect(sent).toContain('"release":"9.8.7"');
    expect(sent).toContain('"environment":');
    expect(sent).toContain('[email]');
    expect(sent).toContain('[token]');
    expect(sent).not.toContain('ana@shop.example');
    expect(sent).not.toContain('trs_sessiontoken123');
    expect(sent).not.toContain('tri_secret123');
    expect(sent).not.toContain('next=/orders');
    await page.close();
  }, 120_000);
});
