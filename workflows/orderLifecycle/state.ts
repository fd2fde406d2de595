/**
 * What one order workflow holds in memory: its status (a string union from domain/orders), the
 * METRC progress, what it waits for, and the timeline it has written. Handlers and the main loop
 * share this one record; every change to the read model goes through steps.ts.
 */
import type { ActorRef, MetrcInfo, OrderLifecycleInput, OrderWorkflowState, TimelineEntry } from '../../contracts/order.js';
import type { OrderStatus } from '../../domain/orders/status.js';
import type { OrderFacts } from '../../domain/orders/transitions.js';

export interface OrderRun {
  readonly input: OrderLifecycleInput;
  status: OrderStatus;
  metrc: MetrcInfo;
  /** What the order waits for now (null once it has ended). */
  step: string | null;
  /** The workflow's event counter: each timeline row's stable key. */
  seq: number;
  timeline: TimelineEntry[];
}

export const SYSTEM: ActorRef = { kind: 'system', id: 'system', role: 'system', label: 'order workflow' };

export const PENDING: Record<OrderStatus, string | null> = {
  submitted: 'awaiting acceptance by the wholesaler',
  accepted: 'awaiting fulfilment (METRC package labels per line)',
  fulfilled: 'awaiting the METRC manifest, then shipment',
  shipped: 'awaiting delivery confirmation',
  delivered: 'awaiting completion',
  rejected: null,
  expired: null,
  completed: null,
  cancelled: null,
};

export function newRun(input: OrderLifecycleInput): OrderRun {
  const r = input.resume;
  if (r) return { input, status: r.status, metrc: r.metrc ?? { state: 'none' }, step: PENDING[r.status], seq: r.seq, timeline: [] };
  return { input, status: 'submitted', metrc: { state: 'none' }, step: PENDING.submitted, seq: 0, timeline: [] };
}

export const factsOf = (run: OrderRun): OrderFacts => ({
  status: run.status,
  retailerId: run.input.retailerId,
  wholesalerId: run.input.wholesalerId,
  metrcState: run.metrc.state,
});

export const snapshotOf = (run: OrderRun): OrderWorkflowState => ({
  orderId: run.input.orderId,
  orderNumber: run.input.orderNumber,
  status: run.status,
  metrc: { ...run.metrc },
  pendingStep: run.step,
  expiresAt: run.input.expiresAt,
  timeline: [...run.timeline],
});

/**
 * Transitions, timers and METRC reports run one at a time, in arrival order, so each decision
 * sees the state the previous one left (an accept and a cancel cannot interleave).
 */
export function serial(): <T>(fn: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn);
    chain = next.catch(() => undefined);
    return next;
  };
}
