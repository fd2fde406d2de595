import { describe, expect, it } from 'vitest';
import { MANIFEST_POLL_FIRST_MS, manifestPollDelay } from '../../../domain/metrc/manifestPoll.js';

describe('manifest poll backoff (issue 14.9)', () => {
  it('starts seconds apart and doubles up to the configured ceiling', () => {
    const five = 5 * 60_000;
    const schedule = Array.from({ length: 10 }, (_, round) => manifestPollDelay(round, five));
    expect(schedule).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, five, five]);
    expect(schedule[0]).toBe(MANIFEST_POLL_FIRST_MS);
  });

  it('never waits longer than a ceiling shorter than the first step', () => {
    expect([0, 1, 5].map((r) => manifestPollDelay(r, 300))).toEqual([300, 300, 300]);
  });

  it('stays finite and at the ceiling after very many rounds', () => {
    expect(manifestPollDelay(10_000, 60_000)).toBe(60_000);
    expect(manifestPollDelay(-1, 60_000)).toBe(2_000);
  });

  it('reaches the ceiling within a handful of looks: a 5-minute ceiling costs 9 looks in the first 8.5 min (2 at a fixed interval)', () => {
    let t = 0;
    let looks = 1;
    for (let r = 0; t + manifestPollDelay(r, 300_000) <= 510_000; r++) {
      t += manifestPollDelay(r, 300_000);
      looks++;
    }
    expect(looks).toBe(9);
  });
});
