import { describe, expect, it } from 'vitest';
import type { Actor } from '../../../domain/actor.js';
import { ERROR_CODES } from '../../../domain/errors.js';
import { decide, type Decision } from '../../../domain/orders/transitions.js';
import {
  FAILURE,
  TRANSITION_FAILURE_TABLE,
  apiCodeOf,
  failureTypeOf,
  metrcSubmissionWorkflowId,
  metrcTransferWorkflowId,
  orderOfWorkflow,
  orderWorkflowId,
  SEARCH_ATTRIBUTE_NAMES,
} from '../../../contracts/index.js';
import { SEARCH_ATTRIBUTES } from '../../../temporal.config.js';

const ORDER = '3f2c1a6e-8b7d-4c5e-9f00-1234567890ab';

describe('the workflow contract', () => {
  it('maps every refused decision to one failure type and that type to one API code', () => {
    const refusals: Array<Extract<Decision, { ok: false }>['error']> = ['invalid_transition', 'forbidden', 'unprocessable'];
    expect(refusals.map((d) => apiCodeOf(failureTypeOf(d)))).toEqual(['INVALID_TRANSITION', 'FORBIDDEN', 'UNPROCESSABLE_ENTITY']);
    // Activity-only failures reach the API under their own codes; unknown types map to nothing.
    expect([apiCodeOf(FAILURE.InsufficientStock), apiCodeOf(FAILURE.NotFound), apiCodeOf('TransitionFailed'), apiCodeOf(undefined)]).toEqual(['INSUFFICIENT_STOCK', 'NOT_FOUND', undefined, undefined]);
    // Each type and each code appears once, and every code is a real error code.
    const types = TRANSITION_FAILURE_TABLE.map((r) => r.type);
    expect(new Set(types).size).toBe(types.length);
    for (const r of TRANSITION_FAILURE_TABLE) expect(Object.keys(ERROR_CODES)).toContain(r.code);
  });

  it('a domain refusal carries the failure type the table names', () => {
    const retailer: Actor = { kind: 'user', id: 'u', role: 'owner', entityId: 'r' };
    const d = decide({ status: 'submitted', retailerId: 'r', wholesalerId: 'w', metrcState: 'none' }, retailer, { action: 'ship' });
    expect(d.ok).toBe(false);
    if (!d.ok) expect(failureTypeOf(d.error)).toBe('InvalidTransition');
  });

  it('builds the ids the stored rows and running workflows already use', () => {
    expect(orderWorkflowId(ORDER)).toBe(`order:${ORDER}`);
    expect(orderOfWorkflow(orderWorkflowId(ORDER))).toBe(ORDER);
    expect([orderOfWorkflow(metrcTransferWorkflowId(ORDER)), orderOfWorkflow('order:not-a-uuid')]).toEqual([undefined, undefined]);
    expect(metrcTransferWorkflowId(ORDER)).toBe(`metrc-transfer:order:${ORDER}`);
    expect(metrcSubmissionWorkflowId('s1')).toBe('metrc:s1');
  });

  it('names exactly the search attributes temporal.config.ts registers', () => {
    expect([...SEARCH_ATTRIBUTE_NAMES].sort()).toEqual(Object.keys(SEARCH_ATTRIBUTES).sort());
  });
});
