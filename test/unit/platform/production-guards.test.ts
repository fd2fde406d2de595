import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../platform/config.js';

// What a real production environment looks like; each case below breaks one thing.
const GOOD = {
  NODE_ENV: 'production',
  APP_SECRET: '3f9a1c7e5b2d8046af13c9e7d5b20486f1a3c5e7b9d02468ace13579bdf02468',
  METRC_BASE_URL: 'https://api-co.metrc.com',
  METRC_VENDOR_KEY: 'vk-7Hq2xP9sLm4Wn8Rt',
};

const refusal = (env: Record<string, string | undefined>): string => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('loadConfig accepted the environment');
};

describe('production guard rails at start-up', () => {
  it('accepts a real production environment, and METRC keys may stay unset', () => {
    const c = loadConfig(GOOD);
    expect(c.metrcBaseUrl).toBe('https://api-co.metrc.com');
    expect(loadConfig({ ...GOOD, METRC_VENDOR_KEY: undefined }).metrc.vendorKey).toBe('');
  });

  it.each([
    ['unset', undefined, /METRC_BASE_URL must be set in production.*local METRC sandbox/],
    ['empty (compose passes ${METRC_BASE_URL:-})', '', /METRC_BASE_URL must be set/],
    ['the local sandbox', 'http://127.0.0.1:4010', /points at this machine \(127\.0\.0\.1:4010\)/],
    ['localhost', 'https://localhost:4010', /points at this machine/],
    ['IPv6 loopback', 'https://[::1]:4010', /points at this machine/],
    ['plain http', 'http://api-co.metrc.com', /must use https/],
    ["METRC's sandbox", 'https://sandbox-api-co.metrc.com', /looks like a METRC sandbox.*METRC_ALLOW_SANDBOX/],
  ])('refuses METRC_BASE_URL %s', (_what, value, message) => {
    expect(refusal({ ...GOOD, METRC_BASE_URL: value })).toMatch(message);
  });

  it("allows METRC's sandbox only when a staging hub says so", () => {
    expect(loadConfig({ ...GOOD, METRC_BASE_URL: 'https://sandbox-api-co.metrc.com', METRC_ALLOW_SANDBOX: 'true' }).metrcBaseUrl).toBe('https://sandbox-api-co.metrc.com');
    // Never this machine, though.
    expect(refusal({ ...GOOD, METRC_BASE_URL: 'http://127.0.0.1:4010', METRC_ALLOW_SANDBOX: 'true' })).toMatch(/points at this machine/);
  });

  it.each([
    ['unset', undefined, /APP_SECRET is required/],
    ['the development default', 'trellis-development-secret-do-not-use-in-production', /APP_SECRET/],
    ['short', 'abc123', /APP_SECRET must be a random string of at least 32/],
    ['one character repeated', 'p'.repeat(48), /APP_SECRET is too uniform/],
    ['a typed phrase', 'aaaabbbbccccddddaaaabbbbccccdddd', /APP_SECRET is too uniform/],
  ])('refuses APP_SECRET %s', (_what, value, message) => {
    expect(refusal({ ...GOOD, APP_SECRET: value })).toMatch(message);
  });

  it('refuses the METRC sandbox demo keys', () => {
    expect(refusal({ ...GOOD, METRC_VENDOR_KEY: 'trellis-demo-vendor-key' })).toMatch(/METRC_VENDOR_KEY is the METRC sandbox demo key/);
    expect(refusal({ ...GOOD, METRC_USER_KEY: 'trellis-demo-user-key' })).toMatch(/METRC_USER_KEY is the METRC sandbox demo key/);
  });

  it('names every problem at once, and leaves development alone', () => {
    const m = refusal({ NODE_ENV: 'production', APP_SECRET: 'x'.repeat(40), METRC_VENDOR_KEY: 'trellis-demo-vendor-key' });
    expect(m).toMatch(/METRC_BASE_URL must be set/);
    expect(m).toMatch(/APP_SECRET is too uniform/);
    expect(m).toMatch(/METRC_VENDOR_KEY is the METRC sandbox demo key/);
    expect(m).toMatch(/NODE_ENV=production/);
    expect(loadConfig({}).metrcBaseUrl).toBe('http://127.0.0.1:4010');
    expect(loadConfig({ NODE_ENV: 'test' }).appSecret).toBe('trellis-development-secret-do-not-use-in-production');
  });
});
