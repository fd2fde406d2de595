import type { Actor } from '../actor.js';
import type { OrderStatus } from './status.js';
import { partiesOf } from './transitions.js';

/**
 * Who may change an order's content (lines, notes, requested delivery date), and when.
 *
 * The order is the buyer's offer: the retailer that placed it — or platform staff (admin,
 * operator) correcting it on the retailer's behalf — edits it while it is `submitted` and the
 * wholesaler has not started accepting it. The seller never edits: it accepts or rejects the
 * offer as written (issue 13.4: a wholesaler turned 1 unit into 500 and then accepted). Compliance
 * staff do not trade. Pure: the API asks this before it writes anything.
 */
export const ORDER_EDITS = ['details', 'add_line', 'change_line', 'remove_line'] as const;
export type OrderEdit = (typeof ORDER_EDITS)[number];

/** The order fields a PATCH may change; the rest is fixed at submission or owned by the workflow. */
export const EDITABLE_ORDER_FIELDS = ['notes', 'requested_delivery_date'] as const;

export interface EditFacts {
  status: OrderStatus;
  retailerId: string;
  wholesalerId: string;
  /** Stock is already reserved for the order: acceptance has started and the lines are frozen. */
  stockHeld: boolean;
}

export type EditDecision =
  | { ok: true }
  | { ok: false; error: 'forbidden' | 'conflict' | 'unprocessable'; message: string; field?: string };

const EDIT_WORDS: Record<OrderEdit, string> = {
  details: 'change the details of',
  add_line: 'add lines to',
  change_line: 'change lines of',
  remove_line: 'remove lines from',
};

/** Whether the actor edits for the buyer: the retailer itself, or admin/operator acting for it. */
export function editsForBuyer(order: Pick<EditFacts, 'retailerId' | 'wholesalerId'>, actor: Actor): boolean {
  if (actor.role === 'admin' || actor.role === 'operator') return true;
  return partiesOf(actor, order).has('retailer');
}

/**
 * Decides one edit. Who comes before when: the seller is told it may never edit (403) rather
 * than that the order is no longer open (409), which would suggest it could have earlier.
 */
export function decideEdit(order: EditFacts, actor: Actor, edit: OrderEdit, fields: readonly string[] = []): EditDecision {
  if (!editsForBuyer(order, actor)) {
    const seller = partiesOf(actor, order).has('wholesaler');
    return {
      ok: false,
      error: 'forbidden',
      message: seller
        ? `Only the retailer that placed the order may ${EDIT_WORDS[edit]} it; the wholesaler accepts, rejects or cancels it as submitted`
        : `Only the retailer that placed the order may ${EDIT_WORDS[edit]} it`,
    };
  }
  if (order.status !== 'submitted') {
    return { ok: false, error: 'conflict', message: `Order is ${order.status}; lines and details change only while submitted` };
  }
  if (order.stockHeld) {
    return { ok: false, error: 'conflict', message: 'The wholesaler is accepting this order; lines and details can no longer change' };
  }
  if (edit === 'details') {
    const fixed = fields.find((f) => !(EDITABLE_ORDER_FIELDS as readonly string[]).includes(f));
    if (fixed) return { ok: false, error: 'unprocessable', message: `${fixed} cannot be changed after submission`, field: fixed };
  }
  return { ok: true };
}

/** Whether the actor may edit the order now (for clients deciding what to offer). */
export const mayEdit = (order: EditFacts, actor: Actor): boolean => decideEdit(order, actor, 'details').ok;
