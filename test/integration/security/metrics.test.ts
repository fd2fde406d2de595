/**
 * Issue 13 item 10: /metrics was public. It answers only the scraper's bearer token
 * (METRICS_TOKEN); with no token configured it is not served at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

const TOKEN = 'metrics-token-for-tests-0123456789';

describe('security: /metrics needs the metrics token', () => {
  const withToken = createDeps({ METRICS_TOKEN: TOKEN });
  const without = createDeps({ METRICS_TOKEN: '' });
  let api: RunningApi;
  let bare: RunningApi;

  beforeAll(async () => {
    [api, bare] = await Promise.all([startApi(withToken), startApi(without)]);
  });
  afterAll(async () => {
    await Promise.all([api?.close(), bare?.close()]);
    await Promise.all([closeDeps(withToken), closeDeps(without)]);
  });

  it.each([
    ['no credentials', {}],
    ['a wrong token', { authorization: 'Bearer not-the-metrics-token-at-all' }],
    ['the token without Bearer', { authorization: TOKEN }],
  ])('answers 401 with %s, in any spelling of the path', async (_what, headers: Record<string, string>) => {
    for (const path of ['/metrics', '/METRICS', '/metrics/', '/Metrics?x=1']) {
      const res = await fetch(`${api.url}${path}`, { headers });
      expect(res.status, path).toBe(401);
      const text = await res.text();
      expect(text).not.toContain('trellis_http_request_duration_seconds');
      expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    }
  });

  it('serves Prometheus text to the bearer of the token', async () => {
    const res = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await res.text()).toContain('trellis_http_request_duration_seconds');
  });

  it('is not served when no token is configured', async () => {
    const res = await fetch(`${bare.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('process_cpu');
  });
});
