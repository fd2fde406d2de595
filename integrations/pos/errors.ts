import type { PosVendor } from './connector.js';

/**
 * Typed failures a POS connector raises. `type` is a stable string (equal to the class name) so it
 * survives serialisation across Temporal activity boundaries, where `instanceof` does not.
 * `retryable` tells the caller whether repeating the same call can help.
 */
export abstract class PosError extends Error {
  abstract readonly type: string;
  abstract readonly retryable: boolean;

  constructor(
    message: string,
    readonly vendor: PosVendor,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Rejected credentials (401) or a key without the needed role (403). Retrying will not help. */
export class PosAuthError extends PosError {
  readonly type = 'PosAuthError';
  readonly retryable = false;
  override readonly name = 'PosAuthError';
}

/** 429. `retryAfterMs` is the vendor's Retry-After when it sent one. */
export class PosRateLimitError extends PosError {
  readonly type = 'PosRateLimitError';
  readonly retryable = true;
  override readonly name = 'PosRateLimitError';

  constructor(
    message: string,
    vendor: PosVendor,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, vendor, 429, options);
  }
}

/** 5xx, connection failures and timeouts: the vendor may answer later. */
export class PosUnavailableError extends PosError {
  readonly type = 'PosUnavailableError';
  readonly retryable = true;
  override readonly name = 'PosUnavailableError';
}

/**
 * The vendor answered something we cannot interpret: a body that is not the documented envelope,
 * or a 4xx that means our request does not match the vendor's contract. Retrying the same request
 * will get the same answer, so a person has to look.
 */
export class PosProtocolError extends PosError {
  readonly type = 'PosProtocolError';
  readonly retryable = false;
  override readonly name = 'PosProtocolError';
}

export function isPosError(e: unknown): e is PosError {
  return e instanceof PosError;
}
