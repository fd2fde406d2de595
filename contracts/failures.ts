/**
 * The one table of how an order transition can fail, in the three vocabularies it crosses:
 * the domain's decision (domain/orders/transitions.ts), the ApplicationFailure `type` the
 * workflow or its activities end an update with, and the API error code the client sees.
 * The workflow raises by decision or by failure type, the API maps back by failure type; a
 * failure type missing here reaches the client as SERVICE_UNAVAILABLE.
 */
import type { ErrorCode } from '../domain/errors.js';
import type { DecisionError } from '../domain/orders/transitions.js';

interface FailureRow {
  /** The domain decision behind it; null when only an activity finds it (stock, a vanished row). */
  decision: DecisionError | null;
  type: string;
  code: ErrorCode;
}

export const TRANSITION_FAILURE_TABLE = [
  { decision: 'invalid_transition', type: 'InvalidTransition', code: 'INVALID_TRANSITION' },
  { decision: 'forbidden', type: 'Forbidden', code: 'FORBIDDEN' },
  { decision: 'unprocessable', type: 'ValidationError', code: 'UNPROCESSABLE_ENTITY' },
  { decision: null, type: 'InsufficientStock', code: 'INSUFFICIENT_STOCK' },
  { decision: null, type: 'NotFound', code: 'NOT_FOUND' },
] as const satisfies readonly FailureRow[];

type Row = (typeof TRANSITION_FAILURE_TABLE)[number];
export type TransitionFailureType = Row['type'];
export type TransitionFailureCode = Row['code'];

/** Any other failure of a transition (an activity error that is not one of the above). */
export const TRANSITION_FAILED = 'TransitionFailed';

/** The failure type by name, for raising: FAILURE.InsufficientStock is 'InsufficientStock'. */
export const FAILURE = Object.fromEntries(TRANSITION_FAILURE_TABLE.map((r) => [r.type, r.type])) as { [T in TransitionFailureType]: T };

/** The ApplicationFailure type a refused decision ends the update with. */
export function failureTypeOf(decision: DecisionError): TransitionFailureType {
  return TRANSITION_FAILURE_TABLE.find((r) => r.decision === decision)!.type;
}

/** The API error code of a failure type, or undefined when the table does not know it. */
export function apiCodeOf(type: string | undefined | null): TransitionFailureCode | undefined {
  return TRANSITION_FAILURE_TABLE.find((r) => r.type === type)?.code;
}
