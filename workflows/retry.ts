import type { RetryPolicy } from '@temporalio/workflow';

/**
 * The activity retry policy arrives in each workflow's input (workflows cannot read the
 * environment); this converts the plain shape from temporal.config.ts into Temporal's.
 */
export interface RetryInput {
  initialInterval: number;
  backoffCoefficient: number;
  maximumAttempts: number;
  maximumInterval: number;
  nonRetryableErrorTypes: string[];
}

export const DEFAULT_RETRY: RetryInput = {
  initialInterval: 1000,
  backoffCoefficient: 2,
  maximumAttempts: 3,
  maximumInterval: 60_000,
  nonRetryableErrorTypes: [],
};

export function toRetryPolicy(r: RetryInput = DEFAULT_RETRY): RetryPolicy {
  return {
    initialInterval: r.initialInterval,
    backoffCoefficient: r.backoffCoefficient,
    maximumAttempts: r.maximumAttempts,
    maximumInterval: r.maximumInterval,
    nonRetryableErrorTypes: r.nonRetryableErrorTypes,
  };
}
