import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ProbeResult } from '../activities/system.js';
import { toRetryPolicy, type RetryInput } from './retry.js';

export interface SystemCheckInput {
  retry?: RetryInput;
}

/** A round trip through server, worker and every backing service; used by tests and ops. */
export async function systemCheck(input: SystemCheckInput = {}): Promise<ProbeResult> {
  const { probeDependencies } = proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: toRetryPolicy(input.retry),
  });
  return probeDependencies();
}
