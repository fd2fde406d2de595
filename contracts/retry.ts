/**
 * The activity retry policy as it travels in a workflow's input (workflows cannot read the
 * environment): the plain shape from temporal.config.ts, turned into Temporal's by workflows/retry.ts.
 */
export interface RetryInput {
  initialInterval: number;
  backoffCoefficient: number;
  maximumAttempts: number;
  maximumInterval: number;
  nonRetryableErrorTypes: string[];
}
