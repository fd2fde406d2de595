/**
 * The fault drills (drills/, issue 21), shortened for CI: one hub of their own (MariaDB, Redis,
 * Temporal dev server, METRC sandbox, two API and two worker processes on loopback) shared by all
 * six in turn, each asserting its table's invariants. The full versions: `npm run drill -- all`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRILLS, type DrillName } from '../../../drills/index.js';
import { startSharedStack } from '../../../drills/lib/common.js';
import { formatResult } from '../../../drills/lib/report.js';

describe('fault drills (short)', () => {
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    // Enough packages for every drill's orders.
    close = await startSharedStack(120);
  }, 300_000);
  afterAll(async () => {
    await close?.();
  }, 120_000);

  const names = Object.keys(DRILLS) as DrillName[];
  for (const name of names) {
    it(`${name}: every check of its table holds`, async () => {
      const result = await DRILLS[name](true);
      console.log(formatResult(result));
      expect(result.checks.length).toBeGreaterThan(3);
      expect(result.checks.filter((c) => !c.ok).map((c) => `${c.what}${c.detail ? ` (${c.detail})` : ''}`)).toEqual([]);
    }, 300_000);
  }
});
