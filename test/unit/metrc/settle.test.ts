import { describe, expect, it } from 'vitest';
import { MetrcAuthError, MetrcValidationError } from '../../../integrations/metrc/errors.js';
import { settle, withAuthRetry } from '../../../activities/metrcSettle.js';

/** A fake clock: waits advance it instead of sleeping. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, wait: async (ms: number) => void (t += ms), advance: (ms: number) => void (t += ms) };
}

describe('settle window', () => {
  it('adopts the record the moment a check finds it, inside the window', async () => {
    const c = clock();
    const sentAt = c.now();
    const commitAt = sentAt + 4_000;
    const checks: number[] = [];
    const r = await settle(async () => (checks.push(c.now()), { landed: c.now() >= commitAt }), { lastSentMs: sentAt, windowMs: 60_000, checkIntervalMs: 500, ...c });
    expect(r.landed).toBe(true);
    expect(checks.at(-1)! - commitAt).toBeLessThan(4_000); // backoff 0.5, 1, 2, 4 s: found at the first check after it
    expect(checks.at(-1)!).toBeLessThan(sentAt + 60_000);
  });

  it('says "not landed" only after a check made once the window has passed', async () => {
    const c = clock();
    const sentAt = c.now();
    const checks: number[] = [];
    const r = await settle(async () => (checks.push(c.now()), { landed: false }), { lastSentMs: sentAt, windowMs: 30_000, checkIntervalMs: 1000, ...c });
    expect(r.landed).toBe(false);
    expect(checks.at(-1)!).toBeGreaterThanOrEqual(sentAt + 30_000);
    expect(checks.slice(0, -1).every((t) => t < sentAt + 30_000)).toBe(true);
    // Backoff doubles up to 15 s: 1, 2, 4, 8, 15 → six checks over 30 s.
    expect(checks.length).toBe(6);
  });

  it('checks once when nothing was ever sent or the window is long over', async () => {
    const c = clock();
    let n = 0;
    await settle(async () => (n++, { landed: false }), { lastSentMs: null, windowMs: 60_000, checkIntervalMs: 100, ...c });
    await settle(async () => (n++, { landed: false }), { lastSentMs: c.now() - 120_000, windowMs: 60_000, checkIntervalMs: 100, ...c });
    expect(n).toBe(2);
  });
});

describe('credential blips', () => {
  it('retries 401/403 with backoff until it works', async () => {
    const c = clock();
    let calls = 0;
    const v = await withAuthRetry(async () => {
      calls++;
      if (calls < 4) throw new MetrcAuthError('blip', calls % 2 ? 401 : 403);
      return 'ok';
    }, 60_000, c);
    expect([v, calls]).toEqual(['ok', 4]);
  });

  it('gives the auth error up once the window has passed since the first one', async () => {
    const c = clock();
    const start = c.now();
    let calls = 0;
    const e = await withAuthRetry(async () => {
      calls++;
      throw new MetrcAuthError('revoked', 401);
    }, 20_000, c).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MetrcAuthError);
    expect(c.now() - start).toBeGreaterThanOrEqual(20_000);
    expect(c.now() - start).toBeLessThan(21_000);
    expect(calls).toBeGreaterThan(2);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    await expect(withAuthRetry(async () => {
      calls++;
      throw new MetrcValidationError('METRC POST /x', []);
    }, 60_000)).rejects.toBeInstanceOf(MetrcValidationError);
    expect(calls).toBe(1);
  });
});
