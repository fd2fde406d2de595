import { describe, expect, it } from 'vitest';
import type { Actor } from '../../../domain/actor.js';
import {
  ORDER_STATUSES,
  METRC_STATES,
  REQUESTABLE_ACTIONS,
  RULES,
  availableTransitions,
  decide,
  isTerminal,
  type MetrcState,
  type OrderFacts,
  type OrderStatus,
} from '../../../domain/orders/index.js';

const R = 'retailer-1';
const W = 'wholesaler-1';
const retailer: Actor = { kind: 'user', id: 'u-r', role: 'member', entityId: R, entityType: 'retailer' };
const retailerKey: Actor = { kind: 'api_key', id: 'k-r', role: 'partner', entityId: R, scopes: ['orders:write'] };
const wholesaler: Actor = { kind: 'user', id: 'u-w', role: 'owner', entityId: W, entityType: 'wholesaler' };
const stranger: Actor = { kind: 'user', id: 'u-x', role: 'owner', entityId: 'someone-else' };
const admin: Actor = { kind: 'user', id: 'a', role: 'admin' };
const operator: Actor = { kind: 'user', id: 'o', role: 'operator' };
const compliance: Actor = { kind: 'user', id: 'c', role: 'compliance' };
const system: Actor = { kind: 'system', id: 'system', role: 'system' };

const order = (status: OrderStatus, metrcState: MetrcState = 'none'): OrderFacts => ({ status, retailerId: R, wholesalerId: W, metrcState });

/** The whole table, written out independently of RULES: (status, action) → target, for its owner. */
const EXPECTED: Record<string, OrderStatus> = {
  'submitted/accept': 'accepted',
  'submitted/reject': 'rejected',
  'submitted/cancel': 'cancelled',
  'accepted/fulfil': 'fulfilled',
  'accepted/cancel': 'cancelled',
  'fulfilled/ship': 'shipped',
  'fulfilled/cancel': 'cancelled',
  'shipped/deliver': 'delivered',
  'delivered/complete': 'completed',
};
const OWNER: Record<string, Actor> = { accept: wholesaler, reject: wholesaler, fulfil: wholesaler, ship: wholesaler, cancel: retailer, deliver: retailer, complete: retailer };

describe('order state machine', () => {
  for (const status of ORDER_STATUSES) {
    for (const action of REQUESTABLE_ACTIONS) {
      const key = `${status}/${action}`;
      const target = EXPECTED[key];
      it(`${key} → ${target ?? 'refused as INVALID_TRANSITION'}`, () => {
        const d = decide(order(status, 'matched'), OWNER[action]!, { action, reason: 'because' });
        if (target) {
          expect(d).toMatchObject({ ok: true, from: status, to: target });
        } else {
          expect(d).toMatchObject({ ok: false, error: 'invalid_transition' });
        }
      });
    }
  }

  it('terminal statuses allow nothing, for anyone', () => {
    for (const s of ORDER_STATUSES.filter(isTerminal)) {
      for (const a of [retailer, wholesaler, admin, compliance, system]) expect(availableTransitions(order(s, 'matched'), a)).toEqual([]);
    }
    expect(ORDER_STATUSES.filter(isTerminal).sort()).toEqual(['cancelled', 'completed', 'expired', 'rejected']);
  });

  it('expire is the timer\'s alone', () => {
    expect(decide(order('submitted'), system, { action: 'expire' })).toMatchObject({ ok: true, to: 'expired' });
    expect(decide(order('submitted'), admin, { action: 'expire' })).toMatchObject({ ok: false, error: 'forbidden' });
    expect(decide(order('submitted'), wholesaler, { action: 'expire' })).toMatchObject({ ok: false, error: 'forbidden' });
    expect(RULES.expire.by).toEqual(['system']);
  });

  it('unknown actions are unprocessable', () => {
    expect(decide(order('submitted'), wholesaler, { action: 'teleport' })).toMatchObject({ ok: false, error: 'unprocessable' });
  });
});

describe('who may do what', () => {
  it('the retailer cancels and confirms delivery; the wholesaler accepts, rejects, fulfils and ships', () => {
    expect(availableTransitions(order('submitted'), retailer)).toEqual(['cancel']);
    expect(availableTransitions(order('submitted'), wholesaler)).toEqual(['accept', 'reject']);
    expect(availableTransitions(order('accepted'), wholesaler)).toEqual(['fulfil']);
    expect(availableTransitions(order('accepted'), retailer)).toEqual(['cancel']);
    expect(availableTransitions(order('fulfilled', 'matched'), wholesaler)).toEqual(['ship']);
    expect(availableTransitions(order('fulfilled', 'matched'), retailer)).toEqual(['cancel']);
    expect(availableTransitions(order('shipped'), retailer)).toEqual(['deliver']);
    expect(availableTransitions(order('shipped'), wholesaler)).toEqual([]);
    expect(availableTransitions(order('delivered'), retailer)).toEqual(['complete']);
    expect(availableTransitions(order('delivered'), wholesaler)).toEqual(['complete']);
  });

  it('a partner API key acts for its entity like its users', () => {
    expect(availableTransitions(order('submitted'), retailerKey)).toEqual(['cancel']);
    expect(decide(order('submitted'), retailerKey, { action: 'accept' })).toMatchObject({ ok: false, error: 'forbidden', allowed: ['cancel'] });
  });

  it('the other party is refused with 403-style errors that still list what it may do', () => {
    expect(decide(order('submitted'), retailer, { action: 'accept' })).toMatchObject({ ok: false, error: 'forbidden', allowed: ['cancel'] });
    expect(decide(order('submitted'), wholesaler, { action: 'cancel' })).toMatchObject({ ok: false, error: 'forbidden', allowed: ['accept', 'reject'] });
    expect(decide(order('shipped'), wholesaler, { action: 'deliver' })).toMatchObject({ ok: false, error: 'forbidden' });
  });

  it('an unrelated tenant may do nothing', () => {
    for (const s of ORDER_STATUSES) expect(availableTransitions(order(s, 'matched'), stranger)).toEqual([]);
    expect(decide(order('submitted'), stranger, { action: 'accept' })).toMatchObject({ ok: false, error: 'forbidden' });
  });

  it('platform admins and operators act for neither side: they may cancel (with compensation) and nothing else', () => {
    for (const staff of [admin, operator]) {
      expect(availableTransitions(order('submitted'), staff)).toEqual(['cancel']);
      expect(availableTransitions(order('accepted'), staff)).toEqual(['cancel']);
      expect(availableTransitions(order('shipped'), staff)).toEqual([]);
      expect(availableTransitions(order('delivered'), staff)).toEqual([]);
      for (const action of ['accept', 'reject'] as const) {
        expect(decide(order('submitted'), staff, { action, reason: 'x' })).toMatchObject({ ok: false, error: 'forbidden', allowed: ['cancel'] });
      }
      expect(decide(order('accepted'), staff, { action: 'fulfil' })).toMatchObject({ ok: false, error: 'forbidden' });
      expect(decide(order('fulfilled', 'matched'), staff, { action: 'ship' })).toMatchObject({ ok: false, error: 'forbidden' });
      expect(decide(order('shipped'), staff, { action: 'deliver' })).toMatchObject({ ok: false, error: 'forbidden' });
      expect(decide(order('delivered'), staff, { action: 'complete' })).toMatchObject({ ok: false, error: 'forbidden' });
      for (const s of ['submitted', 'accepted', 'fulfilled'] as const) {
        expect(decide(order(s), staff, { action: 'cancel', reason: 'x' })).toMatchObject({ ok: true, to: 'cancelled' });
      }
    }
    // Only the order workflow's re-decision of an already validated update keeps the old rules.
    expect(decide(order('submitted'), operator, { action: 'accept' }, { staffActForEitherSide: true })).toMatchObject({ ok: true });
  });

  it('compliance staff do not trade; they may only override the manifest check', () => {
    expect(availableTransitions(order('submitted'), compliance)).toEqual([]);
    expect(availableTransitions(order('fulfilled'), compliance)).toEqual(['ship']);
    expect(decide(order('fulfilled'), compliance, { action: 'ship' })).toMatchObject({ ok: false, error: 'forbidden' });
  });

  it('a reason is required to reject', () => {
    expect(decide(order('submitted'), wholesaler, { action: 'reject' })).toMatchObject({ ok: false, error: 'unprocessable' });
    expect(decide(order('submitted'), wholesaler, { action: 'reject', reason: '  ' })).toMatchObject({ ok: false, error: 'unprocessable' });
    expect(decide(order('submitted'), wholesaler, { action: 'reject', reason: 'out of season' })).toMatchObject({ ok: true, to: 'rejected' });
  });
});

describe('shipping and the METRC manifest', () => {
  it('the wholesaler ships only once the transfer is matched', () => {
    for (const m of METRC_STATES) {
      const d = decide(order('fulfilled', m), wholesaler, { action: 'ship' });
      if (m === 'matched') expect(d).toMatchObject({ ok: true, override: false });
      else expect(d).toMatchObject({ ok: false, error: 'invalid_transition' });
      expect(availableTransitions(order('fulfilled', m), wholesaler).includes('ship')).toBe(m === 'matched');
    }
  });

  it('compliance may override with a reason; nobody else may override', () => {
    expect(decide(order('fulfilled', 'failed'), compliance, { action: 'ship', complianceOverride: true, reason: 'METRC outage, paper manifest 123' })).toMatchObject({ ok: true, override: true, to: 'shipped' });
    expect(decide(order('fulfilled', 'failed'), compliance, { action: 'ship', complianceOverride: true })).toMatchObject({ ok: false, error: 'unprocessable' });
    expect(decide(order('fulfilled', 'failed'), wholesaler, { action: 'ship', complianceOverride: true, reason: 'x' })).toMatchObject({ ok: false, error: 'forbidden' });
    expect(decide(order('fulfilled', 'failed'), operator, { action: 'ship', complianceOverride: true, reason: 'x' })).toMatchObject({ ok: false, error: 'forbidden' });
    expect(decide(order('fulfilled', 'failed'), admin, { action: 'ship', complianceOverride: true, reason: 'x' })).toMatchObject({ ok: true, override: true });
  });

  it('an override is refused outside fulfilled, and on other actions', () => {
    expect(decide(order('accepted'), compliance, { action: 'ship', complianceOverride: true, reason: 'x' })).toMatchObject({ ok: false, error: 'invalid_transition' });
    expect(decide(order('submitted'), admin, { action: 'accept', complianceOverride: true, reason: 'x' })).toMatchObject({ ok: false, error: 'unprocessable' });
  });
});
