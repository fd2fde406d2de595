import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../platform/config.js';

const load = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env });

describe('METRC settle, auth and sweep settings', () => {
  it('defaults: a 5 min window (above IIS/ASP.NET’s 110 s request limit), 2 min of auth retries, sweeps at 10 min, 1 h, 6 h', () => {
    const m = load({}).metrc;
    expect([m.settleWindowMs, m.settleCheckIntervalMs, m.authRetryWindowMs, m.keyProbeIntervalMs]).toEqual([300_000, 1000, 120_000, 60_000]);
    expect(m.sweepDelaysMs).toEqual([600_000, 3_600_000, 21_600_000]);
  });

  it('reads durations and lists', () => {
    const m = load({ METRC_SETTLE_WINDOW: '6s', METRC_AUTH_RETRY_WINDOW: '0', METRC_SWEEP_DELAYS: '2s, 1m' }).metrc;
    expect([m.settleWindowMs, m.authRetryWindowMs, m.sweepDelaysMs]).toEqual([6000, 0, [2000, 60_000]]);
  });

  it('refuses a window the submit activity could not wait out, and malformed lists', () => {
    expect(() => load({ METRC_SETTLE_WINDOW: '25m' })).toThrow(/METRC_SETTLE_WINDOW/);
    expect(() => load({ METRC_SWEEP_DELAYS: '10m,soon' })).toThrow(/METRC_SWEEP_DELAYS\[1\]/);
  });
});
