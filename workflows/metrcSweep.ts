/**
 * The duplicate sweep of one submission (activities/metrcSweep.ts): durable timers at the
 * configured delays, one look (and repair) each. Started when an attempt's outcome was found
 * ambiguous; a submission that has not succeeded yet is simply looked at again next time.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { SweepResult } from '../activities/metrcSweep.js';
import type { MetrcSweepInput } from '../contracts/metrc.js';

export async function metrcDuplicateSweep(input: MetrcSweepInput): Promise<SweepResult[]> {
  const { sweepMetrcDuplicates } = proxyActivities<Activities>({
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 20 },
  });
  const results: SweepResult[] = [];
  for (const delay of input.delaysMs) {
    await sleep(delay);
    results.push(await sweepMetrcDuplicates({ submissionId: input.submissionId }));
  }
  return results;
}
