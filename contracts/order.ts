/**
 * The order workflow's contract (workflows/orderLifecycle/): its input and result, the update
 * that asks for a transition, the METRC child's status signal, the queries, and the read-model
 * step it hands to the recordOrderEvent activity.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../domain/actor.js';
import type { FulfilmentLine } from '../domain/orders/fulfilment.js';
import type { MetrcState, OrderStatus } from '../domain/orders/status.js';
import type { RequestableAction } from '../domain/orders/transitions.js';
import type { RetryInput } from './retry.js';

export interface OrderLifecycleInput {
  orderId: string;
  orderNumber: string;
  retailerId: string;
  wholesalerId: string;
  /** ISO instants: submission and the acceptance deadline (the API stores the same `expires_at`). */
  submittedAt: string;
  expiresAt: string;
  reminderBeforeMs: number;
  /** 0 = a delivered order waits for an explicit `complete`. */
  autoCompleteAfterMs: number;
  taskQueues: { compliance: string; notifications: string };
  retry?: RetryInput;
  /**
   * An order already under way when its workflow starts (demo orders loaded straight into the
   * database, scripts/adopt-orders.ts): the workflow takes up its status, METRC progress and the
   * timeline's last seq instead of starting at `submitted`. Stock it holds is already reserved.
   */
  resume?: OrderResume;
}

export interface OrderResume {
  status: OrderStatus;
  /** The seq of the order's last timeline row: the workflow's next one follows it. */
  seq: number;
  metrc?: MetrcInfo;
}

export interface TransitionArgs {
  action: string;
  actor: Actor;
  reason?: string | null;
  lines?: FulfilmentLine[];
  complianceOverride?: boolean;
  /** The HTTP request behind it (request id, client IP), carried to the audit row. */
  origin?: { requestId?: string; ip?: string };
}

/** What the METRC child (workflows/metrcTransfer.ts) reports while it runs. */
export interface MetrcStatusSignal {
  state: Exclude<MetrcState, 'none'>;
  manifestNumber?: string;
  templateId?: number;
  detail?: string;
  /** Order of sending (reports are not awaited one by one): one older than the last applied is stale. */
  seq?: number;
}

/** Who did it, as recorded on the timeline (never credentials). */
export interface ActorRef {
  kind: string;
  id: string;
  role: string;
  label?: string;
}

export interface MetrcInfo {
  state: MetrcState;
  manifestNumber?: string;
  templateId?: number;
  detail?: string;
}

export type OrderEventType = 'status_changed' | 'metrc_status' | 'reminder_sent';

export interface TimelineEntry {
  seq: number;
  type: OrderEventType;
  from?: OrderStatus;
  to?: OrderStatus;
  actor: ActorRef;
  reason?: string | null;
  at: string;
  metrc?: MetrcInfo;
}

export interface OrderWorkflowState {
  orderId: string;
  orderNumber: string;
  status: OrderStatus;
  metrc: MetrcInfo;
  /** What the order waits for now (null once it has ended). */
  pendingStep: string | null;
  expiresAt: string;
  timeline: TimelineEntry[];
}

/** One step of an order for the read model (the recordOrderEvent activity). */
export interface OrderEventInput {
  orderId: string;
  /** The workflow's event counter: makes the row key stable across activity retries. */
  seq: number;
  type: OrderEventType;
  actor: ActorRef;
  /** Workflow time of the event (deterministic, so a retry writes the same instant). */
  at: string;
  from?: OrderStatus;
  to?: OrderStatus;
  reason?: string | null;
  /** Fulfilment: the METRC package each line ships from (written with the status change). */
  labels?: FulfilmentLine[];
  complianceOverride?: boolean;
  /** The HTTP request behind a person's transition, so its audit row says where it came from. */
  origin?: { requestId?: string; ip?: string };
  metrc?: { state: MetrcState; manifestNumber?: string; templateId?: number; detail?: string };
  detail?: Record<string, unknown>;
  /**
   * What the workflow knows of its order (number, parties, status after this event). With it the
   * step is written in one round trip with nothing read back (a fulfilment reads the lines
   * first, to check its labels); without it the row is read inside a transaction.
   */
  order?: { number: string; retailerId: string; wholesalerId: string; status: OrderStatus };
  /**
   * A stock change that commits together with this step (needs `order` and the atomic writer):
   * `reserve` with accepting (all lines or none: InsufficientStock writes nothing), `ship` with
   * shipping. A retry finds the work done and writes nothing twice.
   */
  stock?: 'reserve' | 'ship';
}

export type OrderLifecycleWorkflow = (input: OrderLifecycleInput) => Promise<OrderWorkflowState>;

export const transitionUpdate = defineUpdate<OrderWorkflowState, [TransitionArgs]>('transition');
export const metrcStatusSignal = defineSignal<[MetrcStatusSignal]>('metrcStatus');
export const orderStateQuery = defineQuery<OrderWorkflowState>('state');
/** Lets a client ask for the caller-specific list without a database read. */
export const availableTransitionsQuery = defineQuery<RequestableAction[], [Actor]>('availableTransitions');
