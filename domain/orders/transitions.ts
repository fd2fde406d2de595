import type { Actor } from '../actor.js';
import type { MetrcState, OrderStatus } from './status.js';

/**
 * The order state machine and who may drive it. Pure: the workflow's update validators, the
 * API's `available_transitions` and the unit tests all ask these functions, so the rules live in
 * exactly one place.
 */
export const ORDER_ACTIONS = ['accept', 'reject', 'fulfil', 'ship', 'deliver', 'complete', 'cancel', 'expire'] as const;
export type OrderAction = (typeof ORDER_ACTIONS)[number];

/** Actions a caller can request; `expire` belongs to the workflow's own timer. */
export const REQUESTABLE_ACTIONS = ['accept', 'reject', 'fulfil', 'ship', 'deliver', 'complete', 'cancel'] as const satisfies readonly OrderAction[];
export type RequestableAction = (typeof REQUESTABLE_ACTIONS)[number];

/**
 * The side of the trade an action belongs to. `system` = timers and METRC receipts only;
 * `staff` = platform admins and operators, who are neither buyer nor seller (issue 13.7): they may
 * end an order with its compensation (cancel releases held stock) but never trade for a party.
 */
export type Party = 'retailer' | 'wholesaler' | 'staff' | 'system';

interface Rule {
  from: readonly OrderStatus[];
  to: OrderStatus;
  by: readonly Party[];
  /** A free-text reason is mandatory (the other side needs to know why). */
  reasonRequired?: boolean;
}

export const RULES: Readonly<Record<OrderAction, Rule>> = {
  accept: { from: ['submitted'], to: 'accepted', by: ['wholesaler'] },
  reject: { from: ['submitted'], to: 'rejected', by: ['wholesaler'], reasonRequired: true },
  expire: { from: ['submitted'], to: 'expired', by: ['system'] },
  fulfil: { from: ['accepted'], to: 'fulfilled', by: ['wholesaler'] },
  ship: { from: ['fulfilled'], to: 'shipped', by: ['wholesaler'] },
  // The retailer confirms receipt; the system does so when METRC reports the receipt.
  deliver: { from: ['shipped'], to: 'delivered', by: ['retailer', 'system'] },
  complete: { from: ['delivered'], to: 'completed', by: ['retailer', 'wholesaler', 'system'] },
  cancel: { from: ['submitted', 'accepted', 'fulfilled'], to: 'cancelled', by: ['retailer', 'staff', 'system'] },
};

export interface OrderFacts {
  status: OrderStatus;
  retailerId: string;
  wholesalerId: string;
  metrcState: MetrcState;
}

export interface TransitionRequest {
  action: string;
  reason?: string | null;
  /** Ship although METRC has not matched a manifest (compliance staff, with a reason). */
  complianceOverride?: boolean;
}

export type DecisionError = 'invalid_transition' | 'forbidden' | 'unprocessable';
export type Decision =
  | { ok: true; action: OrderAction; from: OrderStatus; to: OrderStatus; override: boolean }
  | { ok: false; error: DecisionError; message: string; allowed: RequestableAction[] };

export const isOrderAction = (v: unknown): v is OrderAction => typeof v === 'string' && (ORDER_ACTIONS as readonly string[]).includes(v);

export interface RuleOptions {
  /**
   * The rules before issue 13.7, when admins and operators acted for either side. Only the order
   * workflow's re-decision of an update its validator already accepted uses it: on replay an
   * update accepted under the old rules must run the same commands (validators do not run on
   * replay, and the validator of a new update applies today's rules first).
   */
  staffActForEitherSide?: boolean;
}

/** The sides of this order the actor may act for. */
export function partiesOf(actor: Actor, order: Pick<OrderFacts, 'retailerId' | 'wholesalerId'>, opts: RuleOptions = {}): Set<Party> {
  const out = new Set<Party>();
  if (actor.role === 'system') return new Set<Party>(['retailer', 'wholesaler', 'system']);
  if (actor.role === 'admin' || actor.role === 'operator') {
    return new Set<Party>(opts.staffActForEitherSide ? ['retailer', 'wholesaler', 'staff'] : ['staff']);
  }
  if (actor.role === 'compliance') return out;
  if (actor.entityId && actor.entityId === order.retailerId) out.add('retailer');
  if (actor.entityId && actor.entityId === order.wholesalerId) out.add('wholesaler');
  return out;
}

/** Who may ship past an unmatched METRC transfer: compliance staff (and admins, and the system). */
export const mayOverrideCompliance = (actor: Actor): boolean =>
  actor.role === 'compliance' || actor.role === 'admin' || actor.role === 'system';

const hasReason = (r: string | null | undefined) => typeof r === 'string' && r.trim().length > 0;

function permitted(order: OrderFacts, actor: Actor, action: OrderAction, opts: RuleOptions = {}): boolean {
  const rule = RULES[action];
  if (!rule.from.includes(order.status)) return false;
  if (action === 'ship') {
    const parties = partiesOf(actor, order, opts);
    if (order.metrcState === 'matched' && parties.has('wholesaler')) return true;
    return mayOverrideCompliance(actor);
  }
  const parties = partiesOf(actor, order, opts);
  return rule.by.some((p) => parties.has(p));
}

/** What this actor may do to this order right now (what the API shows as `available_transitions`). */
export function availableTransitions(order: OrderFacts, actor: Actor, opts: RuleOptions = {}): RequestableAction[] {
  return REQUESTABLE_ACTIONS.filter((a) => permitted(order, actor, a, opts));
}

/** Decides one requested transition: the single source of truth for validators and the API. */
export function decide(order: OrderFacts, actor: Actor, req: TransitionRequest, opts: RuleOptions = {}): Decision {
  const allowed = availableTransitions(order, actor, opts);
  const fail = (error: DecisionError, message: string): Decision => ({ ok: false, error, message, allowed });
  if (!isOrderAction(req.action)) return fail('unprocessable', `Unknown action "${String(req.action)}"`);
  const action = req.action;
  const rule = RULES[action];
  if (!rule.from.includes(order.status)) {
    return fail('invalid_transition', `Cannot ${action} an order that is ${order.status}`);
  }
  const parties = partiesOf(actor, order, opts);
  if (action === 'ship') {
    const override = req.complianceOverride === true;
    if (override) {
      if (!mayOverrideCompliance(actor)) return fail('forbidden', 'Only compliance staff may override the METRC manifest check');
      if (!hasReason(req.reason)) return fail('unprocessable', 'A compliance override needs a reason');
      return { ok: true, action, from: order.status, to: rule.to, override: true };
    }
    if (!parties.has('wholesaler')) {
      return fail('forbidden', parties.has('staff') ? 'Platform staff do not ship for the wholesaler; compliance staff may ship with an override' : 'Only the wholesaler ships an order');
    }
    if (order.metrcState !== 'matched') {
      return fail('invalid_transition', `The METRC transfer is ${order.metrcState}, not matched to a manifest; ship needs a compliance override`);
    }
    return { ok: true, action, from: order.status, to: rule.to, override: false };
  }
  if (req.complianceOverride) return fail('unprocessable', 'compliance_override applies to ship only');
  if (!rule.by.some((p) => parties.has(p))) {
    if (parties.has('staff')) return fail('forbidden', `Platform staff do not ${action} for a party of the order; they may only cancel it`);
    const who = rule.by.filter((p) => p !== 'system' && p !== 'staff').join(' or ') || 'the system';
    return fail('forbidden', `Only ${who === 'the system' ? who : `the ${who}`} may ${action} this order`);
  }
  if (rule.reasonRequired && !hasReason(req.reason)) return fail('unprocessable', `A reason is required to ${action} an order`);
  return { ok: true, action, from: order.status, to: rule.to, override: false };
}
