/**
 * How one failed attempt is described on a submission and in the dead letters: METRC's own
 * words (row messages) kept apart from our summary, so staff see exactly what the state said.
 */
export interface AttemptError {
  type: string;
  code: string;
  message: string;
  status?: number;
  ambiguous?: boolean;
  rowMessages?: { row: number | null; message: string }[];
  retryAfterMs?: number;
}

/** One line for lists: METRC's messages when it gave any, else our message. */
export function failureReason(e: AttemptError): string {
  const rows = e.rowMessages ?? [];
  const text = rows.length ? rows.map((r) => r.message).join('; ') : e.message;
  return `${e.code}: ${text}`.slice(0, 2000);
}

/** Error types after which a write certainly did not commit, so no reconciliation is needed. */
export function definitelyNotCommitted(e: AttemptError): boolean {
  if (e.type === 'MetrcUnavailableError') return e.ambiguous === false;
  // MetrcCredentialsParked: the key was refused (401/403) past the auth retry window.
  return ['MetrcValidationError', 'MetrcAuthError', 'MetrcRateLimitError', 'MetrcRequestError', 'MetrcCredentialsParked'].includes(e.type);
}
