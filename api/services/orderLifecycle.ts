import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/common';
import { startNotificationsQuietly } from '../../activities/notifications.js';
import type { Sequelize } from 'sequelize';
import type { Actor, Origin } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import {
  availableTransitions,
  checkFulfilmentLines,
  decide,
  decideMetrcCheck,
  isMetrcState,
  isOrderStatus,
  isTerminal,
  type FulfilmentLine,
  type OrderFacts,
  type TransitionRequest,
} from '../../domain/orders/index.js';
import type { Row } from '../../db/models.js';
import type { Config } from '../../platform/config.js';
import type { LazyTemporalClient } from '../../platform/temporal.js';
import { temporalSettings } from '../../temporal.config.js';
import {
  WORKFLOW_TYPES,
  apiCodeOf,
  checkManifestSignal,
  metrcTransferWorkflowId,
  orderSearchAttributes,
  orderWorkflowId,
  transitionUpdate,
  type OrderLifecycleInput,
  type OrderResume,
  type OrderLifecycleWorkflow,
} from '../../contracts/index.js';

/**
 * The API's side of the order workflow: starting it with the order and turning transition
 * requests into Temporal updates, with the workflow's refusals mapped onto the error envelope.
 */
export interface LifecycleDeps {
  config: Config;
  temporal: LazyTemporalClient;
  /** To find who hears of a new order (issue 16); without it (scripts adopting old orders) nobody is told. */
  sequelize?: Sequelize;
}

export interface TransitionBody {
  action: string;
  reason?: string | null;
  lines?: FulfilmentLine[];
  compliance_override?: boolean;
}

/** Only the fields that are set, so the update payload carries nothing empty. */
function originField(from: Origin): { origin?: Origin } {
  const origin = { ...(from.requestId ? { requestId: from.requestId } : {}), ...(from.ip ? { ip: from.ip } : {}) };
  return Object.keys(origin).length ? { origin } : {};
}

export function factsOf(row: Row): OrderFacts {
  return {
    status: isOrderStatus(row.status) ? row.status : 'submitted',
    retailerId: String(row.retailer_id),
    wholesalerId: String(row.wholesaler_id),
    metrcState: isMetrcState(row.metrc_state) ? row.metrc_state : 'none',
  };
}

/** How long a placement waits for Temporal to take the order's workflow before answering 503. */
const START_DEADLINE_MS = 10_000;

/**
 * Temporal rejects an update whose workflow task failed or timed out meanwhile (FAILED_PRECONDITION
 * "unexpected workflow task failure"): nothing was decided, the task runs again. A busy worker
 * made this a 503 for a valid transition in the full suite; the same update id is sent again
 * (Temporal runs an update id once), twice at most, before the 503.
 */
const GRPC_FAILED_PRECONDITION = 9;

async function withTaskFailureRetry<T>(send: (updateId: string) => Promise<T>): Promise<T> {
  const updateId = randomUUID();
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(updateId);
    } catch (err) {
      const cause = (err as { cause?: { code?: number; details?: string } }).cause;
      const taskFailed = cause?.code === GRPC_FAILED_PRECONDITION && /workflow task failure/i.test(String(cause.details ?? ''));
      if (!taskFailed || attempt >= 2) throw err;
      await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
    }
  }
}

export function createLifecycleClient(deps: LifecycleDeps) {
  const settings = temporalSettings(deps.config);

  async function client(): Promise<Client> {
    try {
      return await deps.temporal.get();
    } catch {
      throw new AppError('SERVICE_UNAVAILABLE', 'The workflow service is unreachable; retry shortly');
    }
  }

  function refusal(code: 'INVALID_TRANSITION' | 'FORBIDDEN' | 'UNPROCESSABLE_ENTITY', message: string, row: Row, action: string, allowed: string[], extra: Record<string, unknown> = {}) {
    return new AppError(code, message, { status: row.status, action, available_transitions: allowed, ...extra });
  }

  return {
    deadlineFrom(submittedAt: Date): Date {
      return new Date(submittedAt.getTime() + deps.config.orders.acceptDeadlineMs);
    },

    /** `resume`: an order already under way (scripts/adopt-orders.ts); no "new order" notice then. */
    async start(order: Row, submittedAt: Date, names: { retailer: string; wholesaler: string }, resume?: OrderResume): Promise<void> {
      const c = await client();
      const orderId = String(order.id);
      const orderNumber = String(order.order_number);
      const input: OrderLifecycleInput = {
        orderId,
        orderNumber,
        retailerId: String(order.retailer_id),
        wholesalerId: String(order.wholesaler_id),
        submittedAt: submittedAt.toISOString(),
        expiresAt: new Date(submittedAt.getTime() + deps.config.orders.acceptDeadlineMs).toISOString(),
        reminderBeforeMs: deps.config.orders.reminderBeforeMs,
        autoCompleteAfterMs: deps.config.orders.autoCompleteAfterMs,
        taskQueues: { compliance: settings.taskQueues.compliance, notifications: settings.taskQueues.notifications },
        retry: settings.defaultActivityRetry,
        ...(resume ? { resume } : {}),
      };
      try {
        // Bounded: with Temporal down the SDK keeps retrying the RPC, and the caller hung past its
        // own timeout instead of getting the 503 (drills/temporalRestart.ts).
        await c.withDeadline(Date.now() + START_DEADLINE_MS, () => c.workflow.start<OrderLifecycleWorkflow>(WORKFLOW_TYPES.orderLifecycle, {
          taskQueue: settings.taskQueues.orders,
          workflowId: orderWorkflowId(orderId),
          args: [input],
          // One workflow per order, ever: a second start for the same id is refused, not re-run.
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
          typedSearchAttributes: orderSearchAttributes({ ...input, status: resume?.status ?? 'submitted' }),
          staticSummary: `Order ${orderNumber}`,
          staticDetails: [
            `**Order ${orderNumber}**`,
            '',
            `- Retailer: ${names.retailer}`,
            `- Wholesaler: ${names.wholesaler}`,
            `- Lines: ${String(order.item_count)}, total ${String(order.total_minor)} ${String(order.currency)} (minor units)`,
            `- Accept by: ${input.expiresAt}`,
          ].join('\n'),
        }));
      } catch (err) {
        // Our own earlier attempt got through (e.g. a timed-out RPC that landed): that is success.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      // The wholesaler's users hear of the new order (issue 16). Also after an earlier attempt's
      // start landed, since that attempt may have died before this line; ids make it once.
      if (deps.sequelize && !resume) await startNotificationsQuietly({ config: deps.config, sequelize: deps.sequelize, temporal: () => Promise.resolve(c) }, {
        type: 'order.submitted',
        key: `order.submitted:${orderId}`,
        entityId: input.wholesalerId,
        facts: { orderId, orderNumber, retailerName: names.retailer, wholesalerName: names.wholesaler, deadline: input.expiresAt },
      });
    },

    /** Best effort after a failed start whose RPC may still have landed: no workflow without an order. */
    async abandon(orderId: string): Promise<void> {
      try {
        const c = await deps.temporal.get();
        await c.withDeadline(Date.now() + START_DEADLINE_MS / 2, () => c.workflow.getHandle(orderWorkflowId(orderId)).terminate('order was not saved'));
      } catch {
        /* nothing was started, or Temporal is unreachable (the workflow then fails on its first write) */
      }
    },

    /** Tells the order's METRC transfer to look for its manifest now instead of at its next poll. */
    async checkManifest(actor: Actor, row: Row): Promise<void> {
      const facts = factsOf(row);
      const d = decideMetrcCheck(facts, actor);
      if (!d.ok) throw new AppError(d.code, d.message, { metrc_state: facts.metrcState });
      const c = await client();
      try {
        await c.workflow.getHandle(metrcTransferWorkflowId(String(row.id))).signal(checkManifestSignal);
      } catch (err) {
        // The read model can trail the workflow by a moment: it has just matched or given up.
        if (err instanceof WorkflowNotFoundError) {
          throw new AppError('CONFLICT', 'The METRC transfer of this order is no longer waiting for a manifest', { metrc_state: facts.metrcState });
        }
        throw new AppError('SERVICE_UNAVAILABLE', 'The workflow service could not take the request; retry shortly');
      }
    },

    async transition(actor: Actor, row: Row, itemIds: string[], body: TransitionBody, origin: Origin = {}): Promise<void> {
      const facts = factsOf(row);
      const req: TransitionRequest = { action: body.action, reason: body.reason ?? null, complianceOverride: body.compliance_override === true };
      // An ended order has no running workflow to ask; the rules answer the same way it would.
      if (isTerminal(facts.status)) {
        const d = decide(facts, actor, req);
        const message = d.ok ? `The order is ${facts.status}` : d.message;
        throw refusal('INVALID_TRANSITION', message, row, body.action, availableTransitions(facts, actor));
      }
      if (body.action === 'fulfil') {
        const d = decide(facts, actor, req);
        if (d.ok) {
          const problems = checkFulfilmentLines(itemIds, body.lines);
          if (problems.length) {
            throw refusal('UNPROCESSABLE_ENTITY', 'Every line needs exactly one METRC package label', row, body.action, availableTransitions(facts, actor), {
              field: problems[0]!.field,
              issue: problems[0]!.issue,
              problems,
            });
          }
        }
      }
      const c = await client();
      const handle = c.workflow.getHandle(String(row.workflow_id ?? orderWorkflowId(String(row.id))));
      try {
        await withTaskFailureRetry((updateId) => handle.executeUpdate(transitionUpdate, {
          updateId,
          args: [
            {
              action: body.action,
              actor,
              reason: body.reason ?? null,
              ...(body.lines ? { lines: body.lines } : {}),
              ...(body.compliance_override ? { complianceOverride: true } : {}),
              ...originField(origin),
            },
          ],
        }));
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
          const f = err.cause;
          const details = ((f.details?.[0] ?? {}) as Record<string, unknown>) ?? {};
          const code = apiCodeOf(f.type);
          if (code === 'INSUFFICIENT_STOCK') {
            throw new AppError('INSUFFICIENT_STOCK', f.message, { status: row.status, action: body.action, short_lines: details.short_lines ?? [] });
          }
          if (code === 'NOT_FOUND') throw new AppError('NOT_FOUND', f.message);
          if (code) {
            const allowed = Array.isArray(details.allowed) ? (details.allowed as string[]) : availableTransitions(facts, actor);
            throw refusal(code, f.message, { ...row, status: details.status ?? row.status }, body.action, allowed, details.problems ? { problems: details.problems } : {});
          }
          throw new AppError('SERVICE_UNAVAILABLE', `The ${body.action} could not be completed: ${f.message}`);
        }
        if (err instanceof WorkflowNotFoundError) {
          throw refusal('INVALID_TRANSITION', 'The order has no running workflow', row, body.action, []);
        }
        if (err instanceof AppError) throw err;
        throw new AppError('SERVICE_UNAVAILABLE', 'The workflow service did not complete the transition; retry shortly');
      }
    },
  };
}
