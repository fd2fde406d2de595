/**
 * startAttempt under concurrency: many submissions opening attempts at once must never deadlock
 * (it used to, through gap locks on metrc_submission_attempts when no attempt existed yet).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { insertSubmission, listAttempts, startAttempt } from '../../../db/repositories/metrcSubmissions.js';
import { closeDeps, createDeps } from '../../support/harness.js';

describe('METRC attempts under concurrency', () => {
  const deps = createDeps();
  afterAll(async () => {
    await closeDeps(deps);
  });

  it('60 submissions opening their first and then a second attempt all at once: no deadlock, one running attempt each', async () => {
    const license = `LIC-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await insertSubmission(deps.sequelize, { kind: 'package_adjustment', licenseNumber: license, payload: { Label: `1A4000000000000000${String(i).padStart(6, '0')}` } });
      if (!r.created) throw new Error('expected a new submission');
      ids.push(r.row.id);
    }
    for (const round of [1, 2]) {
      // Everything at once, so the transactions really overlap on the connection pool.
      const results = await Promise.allSettled(ids.map((id) => startAttempt(deps.writer, id)));
      const failures = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
      expect(failures).toEqual([]);
      expect(results.map((r) => (r as PromiseFulfilledResult<{ attempt: number } | null>).value?.attempt)).toEqual(ids.map(() => round));
    }
    for (const id of ids.slice(0, 5)) {
      const attempts = await listAttempts(deps.sequelize, id);
      // The first attempt never reported back, so the second closed it as lost.
      expect(attempts.map((a) => [a.attempt, a.outcome, a.error_code])).toEqual([
        [1, 'failed', 'WORKER_LOST'],
        [2, 'running', null],
      ]);
    }
  });
});
