import { describe, expect, it } from 'vitest';
import { posBaseUrlProblem } from '../../../domain/pos/baseUrl.js';
import { refusedSqlModes } from '../../../db/sqlMode.js';
import { ConfigError, loadConfig } from '../../../platform/config.js';

// A production-shaped environment (production refuses a uniform secret and the local METRC sandbox).
const PROD = { NODE_ENV: 'production', APP_SECRET: '3f9a1c7e5b2d8046af13c9e7d5b20486f1a3c5e7b9d02468', METRC_BASE_URL: 'https://api-co.metrc.com' };

describe('POS base_url allowlist (issue 13.7)', () => {
  it('allows the vendor hosts everywhere and the sandboxes only outside production', () => {
    const dev = loadConfig({}).security.posAllowedHosts;
    expect(dev).toEqual(expect.arrayContaining(['api.pos.dutchie.com', 'api.partners.blaze.me', '127.0.0.1:4011', '127.0.0.1:4012']));
    const prod = loadConfig(PROD).security.posAllowedHosts;
    expect(prod).toEqual(['api.pos.dutchie.com', 'api.partners.blaze.me']);
    expect(loadConfig({ ...PROD, POS_ALLOWED_HOSTS: 'pos.example.com, Other.Example.com:8443' }).security.posAllowedHosts).toEqual(['pos.example.com', 'other.example.com:8443']);
    expect(() => loadConfig({ POS_ALLOWED_HOSTS: 'https://pos.example.com' })).toThrow(/POS_ALLOWED_HOSTS/);
  });

  it.each([
    ['https://api.pos.dutchie.com', undefined],
    ['https://API.POS.DUTCHIE.COM/v1', undefined],
    ['http://127.0.0.1:4011', undefined],
    ['http://127.0.0.1:3306', /not an allowed/],
    ['https://api.pos.dutchie.com:8443', /not an allowed/],
    ['https://api.pos.dutchie.com.evil.example', /not an allowed/],
    ['https://u:p@api.pos.dutchie.com', /credentials/],
    ['ftp://api.pos.dutchie.com', /http or https/],
    ['not a url', /valid URL/],
  ])('%s → %s', (url, problem) => {
    const allowed = loadConfig({}).security.posAllowedHosts;
    const got = posBaseUrlProblem(url, allowed, false);
    if (problem) expect(got).toMatch(problem);
    else expect(got).toBeUndefined();
  });

  it('requires https in production', () => {
    expect(posBaseUrlProblem('http://api.pos.dutchie.com', ['api.pos.dutchie.com'], true)).toMatch(/https/);
  });
});

describe('metrics token and realtime re-check (issue 13.10)', () => {
  it('has no metrics token unless configured, and refuses a short one', () => {
    expect(loadConfig({}).security.metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'x'.repeat(32) }).security.metricsToken).toBe('x'.repeat(32));
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(loadConfig({}).security.realtimeRecheckMs).toBe(30_000);
    expect(loadConfig({ REALTIME_RECHECK: '200ms' }).security.realtimeRecheckMs).toBe(200);
  });
});

describe('refused SQL modes (issue 13.11)', () => {
  it('finds NO_BACKSLASH_ESCAPES in any position and case only as a whole mode', () => {
    expect(refusedSqlModes('STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES')).toEqual(['NO_BACKSLASH_ESCAPES']);
    expect(refusedSqlModes('no_backslash_escapes')).toEqual(['NO_BACKSLASH_ESCAPES']);
    expect(refusedSqlModes('STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO')).toEqual([]);
    expect(refusedSqlModes('')).toEqual([]);
  });
});
