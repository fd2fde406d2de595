import { describe, expect, it } from 'vitest';
import type { Actor } from '../../../domain/actor.js';
import { EDITABLE_ORDER_FIELDS, ORDER_EDITS, ORDER_STATUSES, decideEdit, mayEdit, type EditFacts, type OrderStatus } from '../../../domain/orders/index.js';

const R = 'retailer-1';
const W = 'wholesaler-1';
const retailer: Actor = { kind: 'user', id: 'u-r', role: 'member', entityId: R };
const retailerKey: Actor = { kind: 'api_key', id: 'k-r', role: 'partner', entityId: R, scopes: ['orders:write'] };
const wholesaler: Actor = { kind: 'user', id: 'u-w', role: 'owner', entityId: W };
const wholesalerKey: Actor = { kind: 'api_key', id: 'k-w', role: 'partner', entityId: W, scopes: ['orders:write'] };
const stranger: Actor = { kind: 'user', id: 'u-x', role: 'owner', entityId: 'other' };
const admin: Actor = { kind: 'user', id: 'a', role: 'admin' };
const operator: Actor = { kind: 'user', id: 'o', role: 'operator' };
const compliance: Actor = { kind: 'user', id: 'c', role: 'compliance' };

const order = (status: OrderStatus, stockHeld = false): EditFacts => ({ status, retailerId: R, wholesalerId: W, stockHeld });

describe('order editing rules (issue 13.4)', () => {
  it('the buyer, and staff acting for it, edit a submitted order in every way', () => {
    for (const actor of [retailer, retailerKey, admin, operator]) {
      for (const edit of ORDER_EDITS) expect(decideEdit(order('submitted'), actor, edit), `${actor.role} ${edit}`).toEqual({ ok: true });
      expect(mayEdit(order('submitted'), actor)).toBe(true);
    }
  });

  it('the seller never edits, in any state: 403 whatever the status', () => {
    for (const actor of [wholesaler, wholesalerKey]) {
      for (const status of ORDER_STATUSES) {
        for (const edit of ORDER_EDITS) {
          const d = decideEdit(order(status), actor, edit);
          expect(d).toMatchObject({ ok: false, error: 'forbidden' });
          if (!d.ok) expect(d.message).toContain('wholesaler accepts, rejects or cancels');
        }
      }
    }
  });

  it('compliance staff and other tenants edit nothing', () => {
    for (const actor of [compliance, stranger]) for (const edit of ORDER_EDITS) expect(decideEdit(order('submitted'), actor, edit)).toMatchObject({ ok: false, error: 'forbidden' });
  });

  it('an entity that is both buyer and seller of an order is the buyer (it placed the order)', () => {
    const both: EditFacts = { status: 'submitted', retailerId: 'e', wholesalerId: 'e', stockHeld: false };
    expect(decideEdit(both, { kind: 'user', id: 'u', role: 'owner', entityId: 'e' }, 'change_line')).toEqual({ ok: true });
  });

  it('after submission, or once acceptance holds stock, the buyer gets a conflict', () => {
    for (const status of ORDER_STATUSES.filter((s) => s !== 'submitted')) {
      expect(decideEdit(order(status), retailer, 'change_line')).toMatchObject({ ok: false, error: 'conflict' });
    }
    expect(decideEdit(order('submitted', true), retailer, 'add_line')).toMatchObject({ ok: false, error: 'conflict', message: expect.stringContaining('accepting') });
  });

  it('a PATCH changes only notes and the requested delivery date', () => {
    expect(EDITABLE_ORDER_FIELDS).toEqual(['notes', 'requested_delivery_date']);
    expect(decideEdit(order('submitted'), retailer, 'details', ['notes', 'requested_delivery_date'])).toEqual({ ok: true });
    expect(decideEdit(order('submitted'), retailer, 'details', ['notes', 'wholesaler_id'])).toMatchObject({ ok: false, error: 'unprocessable', field: 'wholesaler_id' });
  });
});
