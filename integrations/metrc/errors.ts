/**
 * Typed failures of METRC calls. Activities rethrow them as Temporal ApplicationFailure with
 * `type` as the failure type, so `type` must stay equal to the class name and never change.
 * Messages carry method, path and METRC's own text only: never keys or Authorization headers.
 */

/** One entry of METRC's 400 body: the index of the rejected input object and why. */
export interface MetrcRowMessage {
  /** Index into the objects the caller passed (not into a chunk); null when METRC named no row. */
  row: number | null;
  message: string;
}

export interface MetrcErrorJSON {
  code: string;
  type: string;
  message: string;
  status?: number;
  rowMessages?: MetrcRowMessage[];
  retryAfterMs?: number;
  ambiguous?: boolean;
  committedRows?: number;
}

export abstract class MetrcError extends Error {
  abstract readonly type: string;
  abstract readonly code: string;
  abstract readonly nonRetryable: boolean;
  readonly status: number | undefined;
  /**
   * Set on failures of chunked writes: how many leading input objects earlier chunks already
   * committed. Those must not be sent again.
   */
  committedRows = 0;

  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }

  toJSON(): MetrcErrorJSON {
    return {
      code: this.code,
      type: this.type,
      message: this.message,
      ...(this.status !== undefined ? { status: this.status } : {}),
      ...(this.committedRows > 0 ? { committedRows: this.committedRows } : {}),
    };
  }
}

function describeRows(context: string, rows: MetrcRowMessage[]): string {
  const summary = rows.map((r) => (r.row === null ? r.message : `row ${r.row}: ${r.message}`)).join('; ');
  return `${context} rejected the request${summary ? `: ${summary}` : ''}`;
}

/** METRC refused the data (400). Retrying the same body cannot succeed. */
export class MetrcValidationError extends MetrcError {
  override readonly name = 'MetrcValidationError';
  readonly type = 'MetrcValidationError';
  readonly code = 'METRC_VALIDATION';
  readonly nonRetryable = true;

  /** `context` names the call, e.g. "METRC POST /sales/v2/receipts"; METRC's row texts are appended. */
  constructor(
    readonly context: string,
    readonly rowMessages: MetrcRowMessage[],
    status = 400,
  ) {
    super(describeRows(context, rowMessages), status);
  }

  /** Re-index rows of one chunk so they point into the caller's whole array. */
  shiftRows(offset: number): void {
    for (const r of this.rowMessages) if (r.row !== null) r.row += offset;
    this.message = describeRows(this.context, this.rowMessages);
  }

  override toJSON(): MetrcErrorJSON {
    return { ...super.toJSON(), rowMessages: this.rowMessages };
  }
}

/**
 * 401: wrong keys, or the user has no rights for that license or object (METRC also answers
 * refused writes this way). 403: the user lacks a permission. Neither heals by retrying.
 */
export class MetrcAuthError extends MetrcError {
  override readonly name = 'MetrcAuthError';
  readonly type = 'MetrcAuthError';
  readonly nonRetryable = true;
  readonly code: 'METRC_UNAUTHORIZED' | 'METRC_FORBIDDEN';
  readonly permission: boolean;

  constructor(message: string, status: 401 | 403) {
    super(message, status);
    this.permission = status === 403;
    this.code = status === 403 ? 'METRC_FORBIDDEN' : 'METRC_UNAUTHORIZED';
  }
}

/** 429. Retry after `retryAfterMs` when METRC sent Retry-After, otherwise back off. */
export class MetrcRateLimitError extends MetrcError {
  override readonly name = 'MetrcRateLimitError';
  readonly type = 'MetrcRateLimitError';
  readonly code = 'METRC_RATE_LIMITED';
  readonly nonRetryable = false;

  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message, 429);
  }

  override toJSON(): MetrcErrorJSON {
    return { ...super.toJSON(), ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}) };
  }
}

export type UnavailableKind = 'server' | 'outage-page' | 'timeout' | 'network' | 'bad-response';

/**
 * METRC did not give a usable answer: 5xx, an IIS HTML outage page, a timeout or a broken
 * connection. `ambiguous` is true when a write may nevertheless have been committed; the
 * caller must reconcile by natural key before sending it again, since METRC has no
 * idempotency keys.
 */
export class MetrcUnavailableError extends MetrcError {
  override readonly name = 'MetrcUnavailableError';
  readonly type = 'MetrcUnavailableError';
  readonly code = 'METRC_UNAVAILABLE';
  readonly nonRetryable = false;

  constructor(
    message: string,
    readonly kind: UnavailableKind,
    readonly ambiguous: boolean,
    status?: number,
  ) {
    super(message, status);
  }

  override toJSON(): MetrcErrorJSON {
    return { ...super.toJSON(), ambiguous: this.ambiguous };
  }
}

/**
 * Other 4xx (404 bad URI, 405 purged endpoint, 413 too many objects): a bug on our side that
 * no retry fixes.
 */
export class MetrcRequestError extends MetrcError {
  override readonly name = 'MetrcRequestError';
  readonly type = 'MetrcRequestError';
  readonly code = 'METRC_BAD_REQUEST';
  readonly nonRetryable = true;

  constructor(message: string, status: number) {
    super(message, status);
  }
}

export function isMetrcError(e: unknown): e is MetrcError {
  return e instanceof MetrcError;
}
