/**
 * Sentry for real against a local stand-in of its ingest endpoint: with SENTRY_DSN set, an error
 * reaches the endpoint tagged with release, environment and process, and without the request's
 * secrets or the user's address.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { errorReporter, installSentry } from '../../../platform/telemetry/sentry.js';

const received: string[] = [];
const ingest = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    received.push((req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8'));
    res.writeHead(200).end('{}');
  });
});
await new Promise<void>((resolve) => ingest.listen(0, '127.0.0.1', resolve));
afterAll(() => new Promise<void>((resolve) => ingest.close(() => resolve())));

describe('Sentry error reporting', () => {
  it('is a no-op without SENTRY_DSN', async () => {
    const reporter = await installSentry('api', {});
    expect(() => reporter.capture(new Error('nowhere'))).not.toThrow();
  });

  it('sends a scrubbed, tagged event when SENTRY_DSN is set', async () => {
    const { port } = ingest.address() as AddressInfo;
    await installSentry('worker', { SENTRY_DSN: `http://publickey@127.0.0.1:${port}/42`, TRELLIS_RELEASE: '2.3.4', NODE_ENV: 'test' });
    errorReporter().capture(new Error('METRC answered 500 for licence SF-SBX-CO-21-8001'), { activity: 'submitMetrcSubmission' });
    await errorReporter().flush();
    const all = received.join('\n');
    expect(all).toContain('METRC answered 500');
    expect(all).toContain('"release":"2.3.4"');
    expect(all).toContain('"environment":"test"');
    expect(all).toContain('"process":"worker"');
    expect(all).toContain('"activity":"submitMetrcSubmission"');
    expect(all).not.toMatch(/"user":|"server_name":/);
  });
});
