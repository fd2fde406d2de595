import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../platform/config.js';

/** TRUST_PROXY decides whose X-Forwarded-For names the client that limits and lockouts count. */
describe('TRUST_PROXY and rate-limit settings', () => {
  const trust = (v?: string) => loadConfig(v === undefined ? {} : { TRUST_PROXY: v }).trustProxy;

  it('defaults to the loopback proxy only and accepts none, hop counts, addresses and CIDRs', () => {
    expect(trust()).toEqual(['loopback']);
    expect(trust('false')).toBe(false);
    expect(trust('0')).toBe(false);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, 192.168.1.7,fd00::/8, uniquelocal')).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'uniquelocal']);
  });

  it('refuses to trust every peer and names the variable for a bad entry', () => {
    for (const bad of ['true', '*', 'all', '11', '10.0.0.0/33', '10.0.0/8', 'proxy.internal', '1.2.3.4/8/1']) {
      expect(() => trust(bad), bad).toThrow(ConfigError);
      expect(() => trust(bad), bad).toThrow(/TRUST_PROXY/);
    }
  });

  it('has real budgets outside tests and a key ceiling below the contract maximum', () => {
    const dev = loadConfig({}).auth;
    expect(dev.sessionRateLimitPerMinute).toBe(1200);
    expect(dev.anonymousRateLimitPerMinute).toBe(300);
    expect(dev.apiKeyRateLimitCeilingPerMinute).toBeLessThan(100_000);
    expect(loadConfig({ IDEMPOTENCY_LEASE: '30s' }).idempotencyLeaseMs).toBe(30_000);
    expect(() => loadConfig({ SESSION_RATE_LIMIT_PER_MINUTE: '0' })).toThrow(/SESSION_RATE_LIMIT_PER_MINUTE/);
  });
});
