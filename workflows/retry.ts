import type { RetryPolicy } from '@temporalio/workflow';
import type { RetryInput } from '../contracts/retry.js';

/** Turns the retry policy a workflow's input carries (contracts/retry.ts) into Temporal's. */
export type { RetryInput };

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
