import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType, type RetryPolicy } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import type { ActorRef, OrderEventInput } from '../activities/orders.js';
import type { Actor } from '../domain/actor.js';
import { PACKAGE_LABEL, type FulfilmentLine } from '../domain/orders/fulfilment.js';
import { isMetrcState, isTerminal, type MetrcState, type OrderStatus } from '../domain/orders/status.js';
import { reminderTimes } from '../domain/orders/timing.js';
import {
  availableTransitions,
  decide,
  type Decision,
  type OrderFacts,
  type RequestableAction,
} from '../domain/orders/transitions.js';
import { toRetryPolicy, type RetryInput } from './retry.js';

/**
 * One order, from submission to its end, as a durable workflow (id `order:<orderId>`, queue
 * `orders`). The workflow is the single writer of the order's status: callers ask for
 * transitions through the `transition` update (validated against domain/orders before anything is
 * written), timers expire and auto-complete, and the METRC child reports through `metrcStatus`.
 * Every step is written to the read model by an idempotent activity.
 */
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

/** What the METRC child (workflows/metrcTransfer.ts, issue 6) signals while it runs. */
export interface MetrcStatusSignal {
  state: Exclude<MetrcState, 'none'>;
  manifestNumber?: string;
  templateId?: number;
  detail?: string;
  /** Set by children that do not wait for each report: one older than the last applied is stale. */
  seq?: number;
}

/** The child's contract: started by name so this file compiles without it. */
export type MetrcTransferResult =
  { status: 'matched'; manifestNumber: string; templateId: number } | { status: 'failed'; reason: string };
export type MetrcTransferWorkflow = (input: { orderId: string; retry?: RetryInput }) => Promise<MetrcTransferResult>;
export const METRC_TRANSFER_WORKFLOW = 'metrcTransfer';
export const metrcTransferWorkflowId = (orderId: string) => `metrc-transfer:order:${orderId}`;

export interface TimelineEntry {
  seq: number;
  type: OrderEventInput['type'];
  from?: OrderStatus;
  to?: OrderStatus;
  actor: ActorRef;
  reason?: string | null;
  at: string;
  metrc?: MetrcInfo;
}

export interface MetrcInfo {
  state: MetrcState;
  manifestNumber?: string;
  templateId?: number;
  detail?: string;
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

export const transitionUpdate = defineUpdate<OrderWorkflowState, [TransitionArgs]>('transition');
export const metrcStatusSignal = defineSignal<[MetrcStatusSignal]>('metrcStatus');
export const stateQuery = defineQuery<OrderWorkflowState>('state');
/** Lets a client ask for the caller-specific list without a database read. */
export const availableQuery = defineQuery<RequestableAction[], [Actor]>('availableTransitions');

export const ORDER_SEARCH_ATTRIBUTES = {
  OrderId: defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD),
  RetailerId: defineSearchAttributeKey('RetailerId', SearchAttributeType.KEYWORD),
  WholesalerId: defineSearchAttributeKey('WholesalerId', SearchAttributeType.KEYWORD),
  OrderStatus: defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD),
  OrderNumber: defineSearchAttributeKey('OrderNumber', SearchAttributeType.KEYWORD),
};

/** Failure types an update can end with; the API maps each to its envelope. */
export const TRANSITION_FAILURES = {
  invalid_transition: 'InvalidTransition',
  forbidden: 'Forbidden',
  unprocessable: 'ValidationError',
} as const;

const SYSTEM: ActorRef = { kind: 'system', id: 'system', role: 'system', label: 'order workflow' };
const refOf = (a: Actor): ActorRef => ({
  kind: a.kind,
  id: a.id,
  role: a.role,
  ...(a.label ? { label: a.label } : {}),
});

const PENDING: Record<OrderStatus, string | null> = {
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

export async function orderLifecycle(input: OrderLifecycleInput): Promise<OrderWorkflowState> {
  const retry = toRetryPolicy(input.retry);
  const acts = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds', retry });
  // The read model and compensations must land once the decision is taken: keep retrying
  // (non-retryable types such as NotFound still stop at once).
  const untilDone: RetryPolicy = {
    initialInterval: retry.initialInterval,
    backoffCoefficient: retry.backoffCoefficient,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: retry.nonRetryableErrorTypes,
  };
  const must = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: untilDone });
  const notify = proxyActivities<Activities>({
    taskQueue: input.taskQueues.notifications,
    startToCloseTimeout: '30 seconds',
    retry,
  });
  // The read model and stock steps are short database writes in this worker's own process: as
  // local activities they cost one marker each instead of a task round trip through the server
  // (schedule, start, complete, another workflow task), which was most of an order's history.
  // Histories recorded before this change have no patch marker and keep the task-queue path.
  const localActs = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry });
  const localMust = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: untilDone });
  // Every patch costs a search-attribute write (TemporalChangeVersion) in the workflow task that
  // first asks for it, so the current code asks for one patch, once, at the start: v3 = local
  // steps, stock changes committed with their status change, no repeated start attributes,
  // 'submitting' marked by the order itself. Histories without it replay the older ways (v2
  // asked for the local-steps patch at the first step).
  const v3 = patched('order-lifecycle-v3');
  const LOCAL_STEPS_PATCH = 'order-steps-as-local-activities';
  const local = () => v3 || patched(LOCAL_STEPS_PATCH);
  const stepActs = () => (local() ? localActs : acts);
  const stepMust = () => (local() ? localMust : must);

  let status: OrderStatus = 'submitted';
  let metrc: MetrcInfo = { state: 'none' };
  let step: string | null = PENDING.submitted;
  let seq = 0;
  const timeline: TimelineEntry[] = [];
  /** Saga compensations, undone newest first on cancel or expiry. */
  const compensations: Array<{ name: string; run: () => Promise<unknown> }> = [];
  let metrcScope: CancellationScope | undefined;
  let metrcStarted = false;

  const facts = (): OrderFacts => ({
    status,
    retailerId: input.retailerId,
    wholesalerId: input.wholesalerId,
    metrcState: metrc.state,
  });
  const snapshot = (): OrderWorkflowState => ({
    orderId: input.orderId,
    orderNumber: input.orderNumber,
    status,
    metrc: { ...metrc },
    pendingStep: step,
    expiresAt: input.expiresAt,
    timeline: [...timeline],
  });

  // Transitions, timers and METRC reports run one at a time, in arrival order, so each decision
  // sees the state the previous one left (an accept and a cancel cannot interleave).
  let chain: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = chain.then(fn);
    chain = next.catch(() => undefined);
    return next;
  }

  // The API starts the workflow with these attributes set; v3 repeats them only when missing.
  if (!v3 || workflowInfo().typedSearchAttributes.get(ORDER_SEARCH_ATTRIBUTES.OrderId) !== input.orderId)
    upsertSearchAttributes([
      { key: ORDER_SEARCH_ATTRIBUTES.OrderId, value: input.orderId },
      { key: ORDER_SEARCH_ATTRIBUTES.RetailerId, value: input.retailerId },
      { key: ORDER_SEARCH_ATTRIBUTES.WholesalerId, value: input.wholesalerId },
      { key: ORDER_SEARCH_ATTRIBUTES.OrderNumber, value: input.orderNumber },
      { key: ORDER_SEARCH_ATTRIBUTES.OrderStatus, value: status },
    ]);

  async function record(event: Omit<OrderEventInput, 'orderId' | 'seq' | 'at'>): Promise<void> {
    const entry: OrderEventInput = {
      ...event,
      orderId: input.orderId,
      seq: ++seq,
      at: new Date(Date.now()).toISOString(),
      // Lets the activity write without reading the order back (one round trip).
      order: {
        number: input.orderNumber,
        retailerId: input.retailerId,
        wholesalerId: input.wholesalerId,
        status: event.to ?? status,
      },
    };
    // Reserving may fail for the caller (too little stock: nothing written) and retries a few
    // times only; every other step must land once decided.
    await (event.stock === 'reserve' ? stepActs() : stepMust()).recordOrderEvent(entry);
    timeline.push({
      seq: entry.seq,
      type: entry.type,
      actor: entry.actor,
      at: entry.at,
      ...(entry.from ? { from: entry.from } : {}),
      ...(entry.to ? { to: entry.to } : {}),
      ...(entry.reason ? { reason: entry.reason } : {}),
      ...(entry.metrc ? { metrc: entry.metrc } : {}),
    });
  }

  async function moveTo(to: OrderStatus, actor: ActorRef, extra: Partial<OrderEventInput> = {}): Promise<void> {
    await record({ type: 'status_changed', from: status, to, actor, ...extra });
    status = to;
    step = PENDING[to];
    upsertSearchAttributes([{ key: ORDER_SEARCH_ATTRIBUTES.OrderStatus, value: status }]);
  }

  async function compensate(): Promise<void> {
    while (compensations.length) {
      const c = compensations.pop()!;
      step = `compensating: ${c.name}`;
      await c.run();
    }
  }

  function rejection(d: Extract<Decision, { ok: false }>): ApplicationFailure {
    return ApplicationFailure.create({
      type: TRANSITION_FAILURES[d.error],
      message: d.message,
      nonRetryable: true,
      details: [{ status, allowed: d.allowed }],
    });
  }

  /** Update failures must be ApplicationFailures; anything else would fail the workflow task. */
  function asUpdateFailure(err: unknown): ApplicationFailure {
    if (err instanceof ApplicationFailure) return err;
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
      return ApplicationFailure.create({
        type: err.cause.type ?? 'TransitionFailed',
        message: err.cause.message,
        nonRetryable: true,
        details: (err.cause.details as unknown[] | undefined) ?? [],
      });
    }
    return ApplicationFailure.create({
      type: 'TransitionFailed',
      message: err instanceof Error ? err.message : String(err),
      nonRetryable: true,
    });
  }

  function validate(args: TransitionArgs): void {
    if (args.action === 'expire')
      throw ApplicationFailure.create({
        type: 'Forbidden',
        message: 'Orders expire by their deadline only',
        nonRetryable: true,
        details: [{ status, allowed: availableTransitions(facts(), args.actor) }],
      });
    const d = decide(facts(), args.actor, args);
    if (!d.ok) throw rejection(d);
    if (d.action === 'fulfil') {
      const bad = (args.lines ?? []).filter((l) => !PACKAGE_LABEL.test(l.metrc_package_label));
      if (!args.lines?.length || bad.length) {
        throw ApplicationFailure.create({
          type: 'ValidationError',
          message: 'Fulfilment needs a valid METRC package label for every line',
          nonRetryable: true,
          details: [{ status, allowed: availableTransitions(facts(), args.actor) }],
        });
      }
    }
  }

  async function perform(args: TransitionArgs): Promise<void> {
    // Re-decide under the lock: the validator ran against the state before queued steps finished.
    // Who may act was settled by the validator with today's rules (it does not run on replay);
    // re-deciding it here with them would turn an update accepted under the older rules (staff
    // acting for either side, before issue 13.7) into other commands on replay.
    const d = decide(facts(), args.actor, args, { staffActForEitherSide: true });
    if (!d.ok) throw rejection(d);
    const actor = refOf(args.actor);
    const reason = args.reason ?? null;
    const origin = args.origin ? { origin: args.origin } : {};
    switch (d.action) {
      case 'accept': {
        step = 'reserving stock';
        if (v3) {
          // Reservation and status change commit together: nothing to undo if either fails.
          try {
            await moveTo('accepted', actor, { reason, ...origin, stock: 'reserve' });
          } catch (err) {
            step = PENDING[status];
            throw err;
          }
          compensations.push({ name: 'release stock', run: () => stepMust().releaseStock({ orderId: input.orderId }) });
          return;
        }
        try {
          await stepActs().reserveStock({ orderId: input.orderId });
        } catch (err) {
          step = PENDING[status];
          throw err;
        }
        compensations.push({ name: 'release stock', run: () => stepMust().releaseStock({ orderId: input.orderId }) });
        try {
          await moveTo('accepted', actor, { reason, ...origin });
        } catch (err) {
          await compensate();
          step = PENDING[status];
          throw err;
        }
        return;
      }
      case 'fulfil':
        await moveTo('fulfilled', actor, { reason, labels: args.lines ?? [], ...origin });
        return;
      case 'ship': {
        step = 'moving stock out';
        if (!v3) await stepMust().shipStock({ orderId: input.orderId });
        // The units left the building: nothing is held any more, so nothing to give back.
        const i = compensations.findIndex((c) => c.name === 'release stock');
        if (i >= 0) compensations.splice(i, 1);
        await moveTo('shipped', actor, {
          reason,
          ...(d.override ? { complianceOverride: true } : {}),
          ...origin,
          ...(v3 ? { stock: 'ship' as const } : {}),
        });
        return;
      }
      case 'cancel':
        metrcScope?.cancel();
        await compensate();
        await moveTo('cancelled', actor, { reason, ...origin });
        return;
      case 'reject':
      case 'deliver':
      case 'complete':
        await moveTo(d.to, actor, { reason, ...origin });
        return;
      case 'expire':
        throw ApplicationFailure.create({
          type: 'Forbidden',
          message: 'Orders expire by their deadline only',
          nonRetryable: true,
        });
    }
  }

  setHandler(
    transitionUpdate,
    async (args) => {
      try {
        await exclusive(() => perform(args));
      } catch (err) {
        throw asUpdateFailure(err);
      }
      return snapshot();
    },
    {
      validator: validate,
      description: 'Move the order to its next status (accept, reject, fulfil, ship, deliver, complete, cancel)',
    },
  );

  let metrcSeq = 0;
  async function onMetrcStatus(s: MetrcStatusSignal): Promise<void> {
    if (!isMetrcState(s.state) || (s.state as MetrcState) === 'none') return;
    if (s.seq !== undefined) {
      if (s.seq <= metrcSeq) return;
      metrcSeq = s.seq;
    }
    await exclusive(async () => {
      if (isTerminal(status)) return;
      if (s.state === metrc.state && s.manifestNumber === metrc.manifestNumber && s.detail === metrc.detail) return;
      metrc = {
        state: s.state,
        ...((s.manifestNumber ?? metrc.manifestNumber)
          ? { manifestNumber: s.manifestNumber ?? metrc.manifestNumber }
          : {}),
        ...((s.templateId ?? metrc.templateId) !== undefined ? { templateId: s.templateId ?? metrc.templateId } : {}),
        ...(s.detail ? { detail: s.detail } : {}),
      };
      await record({ type: 'metrc_status', actor: { ...SYSTEM, label: 'METRC transfer' }, metrc: { ...metrc } });
    });
  }
  setHandler(metrcStatusSignal, onMetrcStatus);
  setHandler(stateQuery, snapshot);
  setHandler(availableQuery, (actor) => availableTransitions(facts(), actor));

  function startMetrcTransfer(): void {
    metrcStarted = true;
    // The order says 'submitting' itself as it starts the child (the child no longer signals
    // it): one signal and one workflow task fewer per order. Older children signalled it.
    if (v3) void onMetrcStatus({ state: 'submitting' });
    metrcScope = new CancellationScope();
    metrcScope
      .run(async () => {
        const child = await startChild<MetrcTransferWorkflow>(METRC_TRANSFER_WORKFLOW, {
          taskQueue: input.taskQueues.compliance,
          workflowId: metrcTransferWorkflowId(input.orderId),
          args: [{ orderId: input.orderId, ...(input.retry ? { retry: input.retry } : {}) }],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          // Do not wait for the child to acknowledge: cancelling an order must not hang on METRC.
          cancellationType: ChildWorkflowCancellationType.TRY_CANCEL,
          staticSummary: `METRC transfer for order ${input.orderNumber}`,
        });
        const result = await child.result();
        await onMetrcStatus(
          result.status === 'matched'
            ? { state: 'matched', manifestNumber: result.manifestNumber, templateId: result.templateId }
            : { state: 'failed', detail: result.reason },
        );
      })
      .catch(async (err: unknown) => {
        if (isCancellation(err)) return;
        log.warn('METRC transfer child failed', { error: String(err) });
        await onMetrcStatus({ state: 'failed', detail: err instanceof Error ? err.message : String(err) });
      });
  }

  // Acceptance window: reminders, then expiry if nobody accepted or rejected in time.
  const submittedAt = Date.parse(input.submittedAt);
  const deadline = Date.parse(input.expiresAt);
  let reminder = 0;
  for (const at of reminderTimes(submittedAt, deadline, input.reminderBeforeMs)) {
    const decided = await condition(() => status !== 'submitted', Math.max(1, at - Date.now()));
    if (decided) break;
    reminder += 1;
    const entry = { seq: ++seq, at: new Date(Date.now()).toISOString() };
    await notify.notifyOrderReminder({
      orderId: input.orderId,
      orderNumber: input.orderNumber,
      ...entry,
      deadline: input.expiresAt,
      recipientEntityId: input.wholesalerId,
    });
    timeline.push({ ...entry, type: 'reminder_sent', actor: SYSTEM, reason: `reminder ${reminder}` });
  }
  if (!(await condition(() => status !== 'submitted', Math.max(1, deadline - Date.now())))) {
    await exclusive(async () => {
      if (status !== 'submitted') return;
      await compensate();
      await moveTo('expired', SYSTEM, { reason: 'not accepted before the deadline' });
    });
  }

  // Handlers change `status` behind the compiler's back; read it through a function here.
  const now = (): OrderStatus => status;
  while (!isTerminal(now())) {
    if (now() === 'fulfilled' && !metrcStarted) startMetrcTransfer();
    if (now() === 'delivered' && input.autoCompleteAfterMs > 0) {
      if (!(await condition(() => status !== 'delivered', input.autoCompleteAfterMs))) {
        await exclusive(async () => {
          if (status === 'delivered')
            await moveTo('completed', SYSTEM, { reason: 'completed automatically after delivery' });
        });
      }
      continue;
    }
    const seen = now();
    await condition(() => status !== seen);
  }
  step = null;
  await condition(allHandlersFinished);
  return snapshot();
}
