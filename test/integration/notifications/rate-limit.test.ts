/**
 * The per-provider send rate (issue 16, no storms): slots are shared through real Redis, so
 * concurrent senders (as on several workers) get at most the rate per second, and the rest wait.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireSendSlot } from '../../../activities/notificationBursts.js';
import { closeDeps, createDeps } from '../../support/harness.js';

describe('provider send rate', () => {
  const deps = createDeps();
  afterAll(() => closeDeps(deps));

  it('12 concurrent sends at 5/s spread over three seconds, at most 5 in any one', async () => {
    const provider = `test-${randomUUID()}`; // its own window keys: other runs share this Redis
    // Start at the top of a second so the count per second is what the limiter decided.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
    const started = Date.now();
    const at = await Promise.all(Array.from({ length: 12 }, () => acquireSendSlot(deps.redis, provider, 5).then(() => Math.floor(Date.now() / 1000))));
    const perSecond = new Map<number, number>();
    for (const s of at) perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(5);
    expect(perSecond.size).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  }, 30_000);
});
