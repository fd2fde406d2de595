import { describe, expect, it } from 'vitest';
import { staleVerdict } from '../../../domain/pos/reaper.js';

describe('staleVerdict: is a running sync run stale, given its workflow id’s latest execution?', () => {
  it('leaves runs alone while the workflow may still settle them', () => {
    for (const status of ['RUNNING', 'PAUSED', 'CONTINUED_AS_NEW', 'UNSPECIFIED', 'UNKNOWN', 'SOMETHING_NEW']) {
      expect(staleVerdict({ status })).toBeUndefined();
    }
  });

  it('names why a closed or missing workflow left the run behind, with the close reason when known', () => {
    expect(staleVerdict({ status: 'TERMINATED', reason: 'operator gave up' })).toEqual({ errorType: 'WorkflowTerminated', message: 'workflow terminated: operator gave up' });
    expect(staleVerdict({ status: 'TERMINATED', reason: '  ' })).toEqual({ errorType: 'WorkflowTerminated', message: 'workflow terminated' });
    expect(staleVerdict({ status: 'TIMED_OUT' })).toEqual({ errorType: 'WorkflowTimedOut', message: 'workflow timed out' });
    expect(staleVerdict({ status: 'CANCELLED' })?.errorType).toBe('WorkflowCancelled');
    expect(staleVerdict({ status: 'FAILED', reason: 'boom' })).toEqual({ errorType: 'WorkflowFailed', message: 'workflow failed: boom' });
    expect(staleVerdict({ status: 'COMPLETED' })?.message).toBe('workflow completed without finishing the run');
    expect(staleVerdict({ status: 'NOT_FOUND' })).toEqual({ errorType: 'WorkflowNotFound', message: 'workflow not found in Temporal' });
  });

  it('keeps the message within the column', () => {
    expect(staleVerdict({ status: 'TERMINATED', reason: 'x'.repeat(5000) })!.message.length).toBe(2000);
  });
});
