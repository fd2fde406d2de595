import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES, RECONCILABLE_STATUSES, orphanReason } from '../../../domain/orders/index.js';

describe('orphaned orders (issue 14.3)', () => {
  it('an open order that holds stock or waits for the seller is orphaned once its workflow has ended', () => {
    for (const s of ['TERMINATED', 'CANCELLED', 'TIMED_OUT', 'FAILED', 'COMPLETED', 'NOT_FOUND']) {
      expect(orphanReason('accepted', { status: s })).toContain('while the order was accepted');
    }
    expect(orphanReason('fulfilled', { status: 'TERMINATED', reason: 'by hand' })).toContain('was terminated (by hand)');
  });

  it('never on doubt: running, paused or unknown workflows, and orders that hold nothing, are left alone', () => {
    for (const s of ['RUNNING', 'PAUSED', 'CONTINUED_AS_NEW', 'SOMETHING_NEW']) expect(orphanReason('accepted', { status: s })).toBeUndefined();
    for (const status of ORDER_STATUSES.filter((s) => !RECONCILABLE_STATUSES.includes(s))) expect(orphanReason(status, { status: 'TERMINATED' })).toBeUndefined();
    expect(RECONCILABLE_STATUSES).toEqual(['submitted', 'accepted', 'fulfilled']);
  });
});
