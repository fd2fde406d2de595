/**
 * Baseline for bench:order-lifecycle: a workflow that runs `activities` no-op activities one
 * after another, so the order lifecycle is compared with Temporal's own cost for the same
 * number of activity round trips on the same server and workers.
 */
import { proxyActivities } from '@temporalio/workflow';

export interface NoopActivities {
  benchNoop(step: number): Promise<number>;
}

const { benchNoop } = proxyActivities<NoopActivities>({ startToCloseTimeout: '10 seconds' });

export async function benchMinimalLifecycle(activities: number): Promise<number> {
  let done = 0;
  for (let i = 0; i < activities; i++) done += (await benchNoop(i)) >= 0 ? 1 : 0;
  return done;
}
