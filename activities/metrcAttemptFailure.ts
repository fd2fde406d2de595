/**
 * How a METRC attempt's error is recorded and handed to Temporal: the client error's type, code
 * and row messages for the submission's attempt row, and an ApplicationFailure the retry policy
 * (temporal.config.ts) judges by type, with a 429's Retry-After as nextRetryDelay.
 */
import { ApplicationFailure } from '@temporalio/common';
import { isMetrcError, MetrcRateLimitError } from '../integrations/metrc/index.js';
import type { AttemptError } from '../domain/metrc/failure.js';

export function describeError(e: unknown): AttemptError {
  if (isMetrcError(e)) {
    const j = e.toJSON();
    return {
      type: j.type,
      code: j.code,
      message: j.message,
      ...(j.status !== undefined ? { status: j.status } : {}),
      ...(j.ambiguous !== undefined ? { ambiguous: j.ambiguous } : {}),
      ...(j.rowMessages ? { rowMessages: j.rowMessages } : {}),
      ...(j.retryAfterMs !== undefined ? { retryAfterMs: j.retryAfterMs } : {}),
    };
  }
  if (e instanceof ApplicationFailure) {
    return { type: e.type ?? 'ApplicationFailure', code: e.type ?? 'ERROR', message: e.message };
  }
  return { type: 'Error', code: 'INTERNAL', message: e instanceof Error ? e.message : String(e), ambiguous: true };
}

/** The failure the retry policy sees: type, retryability, METRC's rows, Retry-After. */
export function toFailure(e: unknown, info: AttemptError): ApplicationFailure {
  if (e instanceof ApplicationFailure) return e;
  const nonRetryable = isMetrcError(e) ? e.nonRetryable : false;
  return ApplicationFailure.create({
    type: info.type,
    message: info.message,
    nonRetryable,
    details: [info],
    ...(e instanceof MetrcRateLimitError && e.retryAfterMs !== undefined ? { nextRetryDelay: e.retryAfterMs } : {}),
    ...(e instanceof Error ? { cause: e } : {}),
  });
}
