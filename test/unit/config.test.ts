import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../platform/config.js';
import { temporalSettings } from '../../temporal.config.js';

describe('loadConfig', () => {
  it('has defaults that work on one machine', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBe('mysql://root@127.0.0.1:3306/trellis');
    expect(c.databaseName).toBe('trellis');
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.port).toBe(3000);
    expect(c.temporal.address).toBe('127.0.0.1:7233');
    expect(c.temporal.embedded).toBe(true);
    expect(c.posSyncStaging).toBe('auto');
    expect(loadConfig({ POS_SYNC_STAGING: 'insert' }).posSyncStaging).toBe('insert');
  });

  it.each([
    ['PORT', 'abc', /PORT must be an integer/],
    ['PORT', '70000', /PORT must be between/],
    ['DATABASE_URL', 'postgres://x/y', /DATABASE_URL must use mysql:/],
    ['DATABASE_URL', 'not a url', /DATABASE_URL is not a valid URL/],
    ['REDIS_URL', 'http://x', /REDIS_URL must use redis:/],
    ['TEMPORAL_ADDRESS', 'nohostport', /TEMPORAL_ADDRESS must be host:port/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['TEMPORAL_RETRY_MAXIMUM_ATTEMPTS', '0', /TEMPORAL_RETRY_MAXIMUM_ATTEMPTS must be between/],
    ['POS_SYNC_STAGING', 'load-data', /POS_SYNC_STAGING must be one of/],
  ])('fails fast naming %s when it is %s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('requires a strong APP_SECRET in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/APP_SECRET/);
    // The METRC URL is required in production too (test/unit/platform/production-guards.test.ts).
    expect(loadConfig({ NODE_ENV: 'production', APP_SECRET: '3f9a1c7e5b2d8046af13c9e7d5b20486f1a3c5e7', METRC_BASE_URL: 'https://api-co.metrc.com' }).appSecret).toHaveLength(40);
  });

  it('marks an external Temporal address as not embedded and turns on TLS for an API key', () => {
    const c = loadConfig({ TEMPORAL_ADDRESS: 'acme.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k', TEMPORAL_NAMESPACE: 'acme.x' });
    expect(c.temporal.embedded).toBe(false);
    expect(c.temporal.tls).toBeDefined();
  });
});

describe('temporalSettings', () => {
  it('names the seed task queues and its retry policy (3 attempts, exponential)', () => {
    const s = temporalSettings(loadConfig({ TEMPORAL_RETRY_INITIAL_INTERVAL_MS: '250', TEMPORAL_RETRY_BACKOFF_COEFFICIENT: '3' }));
    expect(Object.keys(s.taskQueues).sort()).toEqual(['compliance', 'notifications', 'orders', 'reports', 'sync']);
    expect(s.defaultActivityRetry).toMatchObject({ maximumAttempts: 3, initialInterval: 250, backoffCoefficient: 3 });
  });
});
