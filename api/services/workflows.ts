/**
 * The console's window on Temporal: list executions through visibility (plus the "retrying"
 * view Temporal's own UI lacks), describe one with its pending activities and recent history,
 * and the operator actions cancel / terminate / signal retry.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_NAMES, orderOfWorkflow } from '../../contracts/index.js';
import type { Actor, Origin } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import { logger } from '../../platform/logger.js';
import { audit } from './audit.js';
import { createOrderService, type OrderService } from './orders.js';
import { TASK_QUEUE_NAMES, temporalSettings } from '../../temporal.config.js';
import type { ApiDeps } from '../deps.js';
import { statusName, visibilityQuery, type WorkflowFilters } from './workflowQuery.js';

/** How many running executions the "retrying" filter describes per request (one RPC each). */
export const RETRYING_SCAN_LIMIT = 200;
/** Visibility pages are walked to reach page N; beyond this offset the caller must filter more. */
const MAX_OFFSET = 5_000;
const HISTORY_EVENTS = 25;

const EventType = proto.temporal.api.enums.v1.EventType;
const ActivityState = proto.temporal.api.enums.v1.PendingActivityState;

type Ts = { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined;
export function tsToIso(ts: Ts): string | null {
  if (!ts || ts.seconds == null) return null;
  const s = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(s * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

type Failure = { message?: string | null; applicationFailureInfo?: { type?: string | null } | null; cause?: Failure | null } | null | undefined;
function failureOf(f: Failure): { message: string; type: string | null } | null {
  if (!f) return null;
  // The interesting message is usually the innermost cause (activity failure → application error).
  let inner: Failure = f;
  while (inner?.cause) inner = inner.cause;
  return { message: inner?.message || f.message || 'failure', type: inner?.applicationFailureInfo?.type ?? f.applicationFailureInfo?.type ?? null };
}

function attributesOf(info: WorkflowExecutionInfo): Record<string, string> {
  const out: Record<string, string> = {};
  const sa = info.searchAttributes as Record<string, unknown[] | undefined> | undefined;
  for (const key of SEARCH_ATTRIBUTE_NAMES) {
    const v = sa?.[key];
    if (Array.isArray(v) && v.length > 0) out[key] = String(v[0]);
  }
  return out;
}

function summary(info: WorkflowExecutionInfo) {
  return {
    workflow_id: info.workflowId,
    run_id: info.runId,
    type: info.type,
    status: statusName(info.status.name),
    task_queue: info.taskQueue,
    start_time: info.startTime.toISOString(),
    close_time: info.closeTime ? info.closeTime.toISOString() : null,
    history_length: info.historyLength,
    search_attributes: attributesOf(info),
  };
}
export type WorkflowSummary = ReturnType<typeof summary> & { retrying?: boolean; max_attempt?: number };

interface RawPending {
  activityId?: string | null;
  activityType?: { name?: string | null } | null;
  state?: number | null;
  attempt?: number | null;
  maximumAttempts?: number | null;
  scheduledTime?: Ts;
  lastStartedTime?: Ts;
  lastHeartbeatTime?: Ts;
  lastFailure?: Failure;
  nextAttemptScheduleTime?: Ts;
}

function pendingActivity(p: RawPending) {
  return {
    activity_id: p.activityId ?? '',
    activity_type: p.activityType?.name ?? 'unknown',
    state: (ActivityState[p.state ?? 0] ?? 'UNSPECIFIED').replace('PENDING_ACTIVITY_STATE_', '').toLowerCase(),
    attempt: p.attempt ?? 1,
    maximum_attempts: p.maximumAttempts ?? 0,
    scheduled_time: tsToIso(p.scheduledTime),
    last_started_time: tsToIso(p.lastStartedTime),
    last_heartbeat_time: tsToIso(p.lastHeartbeatTime),
    last_failure: failureOf(p.lastFailure),
    next_attempt_time: tsToIso(p.nextAttemptScheduleTime),
  };
}

function historyEvent(e: proto.temporal.api.history.v1.IHistoryEvent) {
  const type = (EventType[e.eventType ?? 0] ?? 'UNSPECIFIED').replace('EVENT_TYPE_', '');
  const attrs = Object.entries(e).find(([k, v]) => k.endsWith('EventAttributes') && v) as [string, Record<string, unknown>] | undefined;
  const a = attrs?.[1] ?? {};
  let detail: string | null = null;
  const activityType = (a.activityType as { name?: string } | undefined)?.name;
  if (activityType) detail = activityType;
  const f = failureOf(a.failure as Failure);
  if (f) detail = `${detail ? `${detail}: ` : ''}${f.message}`;
  if (typeof a.signalName === 'string') detail = a.signalName;
  if (typeof a.reason === 'string' && a.reason) detail = a.reason;
  return { event_id: Number(e.eventId ?? 0), event_type: type, time: tsToIso(e.eventTime as Ts), detail };
}

function mapTemporalError(err: unknown, workflowId: string): never {
  const e = err as { name?: string; code?: number; message?: string };
  if (e.name === 'WorkflowNotFoundError' || e.code === 5) throw new AppError('NOT_FOUND', 'Workflow not found', { workflow_id: workflowId });
  if (e.code === 9 || /already completed|not running/i.test(e.message ?? '')) {
    throw new AppError('CONFLICT', 'Workflow is not running', { workflow_id: workflowId });
  }
  if (e.code === 14 || e.name === 'ServiceError') throw new AppError('SERVICE_UNAVAILABLE', 'Temporal is not reachable', {});
  throw err;
}

/**
 * Operator actions apply to running workflows only. Temporal answers "not found" for an action on
 * a closed execution, so ask first: a closed workflow is a 409, and nothing is audited for it.
 */
async function requireRunning(c: Client, workflowId: string): Promise<void> {
  let status: string;
  try {
    status = (await c.workflow.getHandle(workflowId).describe()).status.name;
  } catch (err) {
    mapTemporalError(err, workflowId);
  }
  if (status !== 'RUNNING') {
    throw new AppError('CONFLICT', `Workflow is ${status.toLowerCase()}, not running`, { workflow_id: workflowId, status: status.toLowerCase() });
  }
}

export { orderOfWorkflow };

export function createWorkflowService(deps: ApiDeps) {
  let orderService: OrderService | undefined;
  const orders = () => (orderService ??= createOrderService(deps));
  const client = (): Promise<Client> =>
    deps.temporal.get().catch(() => {
      throw new AppError('SERVICE_UNAVAILABLE', 'Temporal is not reachable', {});
    });

  async function record(actor: Actor, action: string, workflowId: string, details: Record<string, unknown>, origin: Origin) {
    logger().info({ actor: actor.id, action, workflowId }, 'workflow operator action');
    await audit(deps.sequelize, actor, { action, targetType: 'workflow', targetId: workflowId, entityId: null, summary: details }, origin);
  }

  async function retryingInfo(c: Client, workflowId: string, runId: string) {
    try {
      const d = await c.workflow.getHandle(workflowId, runId).describe();
      const pending = (d.raw.pendingActivities ?? []) as RawPending[];
      const max = pending.reduce((m, p) => Math.max(m, p.attempt ?? 1), 0);
      return { retrying: max > 1, max_attempt: max };
    } catch {
      return { retrying: false, max_attempt: 0 };
    }
  }

  return {
    async list(filters: WorkflowFilters, page: number, limit: number) {
      const c = await client();
      const query = visibilityQuery(filters);
      const offset = (page - 1) * limit;
      if (offset > MAX_OFFSET) throw new AppError('VALIDATION_ERROR', 'Page is too deep; narrow the filters', { field: 'page' });

      if (filters.status === 'retrying') {
        // Visibility cannot see attempts: describe running candidates (bounded) and keep those
        // with a pending activity past its first attempt.
        const candidates: WorkflowExecutionInfo[] = [];
        for await (const info of c.workflow.list({ query, pageSize: 100 })) {
          candidates.push(info);
          if (candidates.length >= RETRYING_SCAN_LIMIT) break;
        }
        const described: WorkflowSummary[] = [];
        for (let i = 0; i < candidates.length; i += 10) {
          const batch = candidates.slice(i, i + 10);
          const infos = await Promise.all(batch.map((w) => retryingInfo(c, w.workflowId, w.runId)));
          batch.forEach((w, j) => {
            if (infos[j]!.retrying) described.push({ ...summary(w), ...infos[j]! });
          });
        }
        return {
          data: described.slice(offset, offset + limit),
          pagination: { page, limit, total: described.length, total_pages: Math.ceil(described.length / limit) },
          scan: { scanned: candidates.length, truncated: candidates.length >= RETRYING_SCAN_LIMIT },
        };
      }

      const data: WorkflowSummary[] = [];
      let seen = 0;
      for await (const info of c.workflow.list({ query, pageSize: Math.min(offset + limit, 1000) })) {
        if (seen++ < offset) continue;
        data.push(summary(info));
        if (data.length >= limit) break;
      }
      let total = offset + data.length;
      try {
        total = (await c.workflow.count(query || undefined)).count;
      } catch {
        /* older visibility stores cannot count; the page we walked is the best we know */
      }
      return { data, pagination: { page, limit, total, total_pages: Math.ceil(total / limit) } };
    },

    /** Counts per task queue for the dashboard: running, retrying, failed (last 7 days). */
    async queueSummary() {
      const c = await client();
      const queues = temporalSettings(deps.config).taskQueues;
      const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
      return Promise.all(
        TASK_QUEUE_NAMES.map(async (name) => {
          const tq = queues[name];
          const count = async (q: string) => {
            try {
              return (await c.workflow.count(q)).count;
            } catch {
              return 0;
            }
          };
          const [running, failed] = await Promise.all([
            count(`TaskQueue = '${tq}' AND ExecutionStatus = 'Running'`),
            count(`TaskQueue = '${tq}' AND ExecutionStatus IN ('Failed', 'TimedOut') AND CloseTime > '${since}'`),
          ]);
          let retrying = 0;
          if (running > 0) {
            let scanned = 0;
            for await (const info of c.workflow.list({ query: `TaskQueue = '${tq}' AND ExecutionStatus = 'Running'`, pageSize: 50 })) {
              if ((await retryingInfo(c, info.workflowId, info.runId)).retrying) retrying++;
              if (++scanned >= 50) break;
            }
          }
          return { task_queue: name, running, retrying, failed };
        }),
      );
    },

    async get(workflowId: string) {
      const c = await client();
      const handle = c.workflow.getHandle(workflowId);
      try {
        const d = await handle.describe();
        const history = await c.workflowService.getWorkflowExecutionHistoryReverse({
          namespace: c.options.namespace,
          execution: { workflowId, runId: d.runId },
          maximumPageSize: HISTORY_EVENTS,
        });
        const pending = ((d.raw.pendingActivities ?? []) as RawPending[]).map(pendingActivity);
        return {
          ...summary(d as unknown as WorkflowExecutionInfo),
          retrying: pending.some((p) => p.attempt > 1),
          pending_activities: pending,
          history: (history.history?.events ?? []).slice(0, HISTORY_EVENTS).map(historyEvent),
        };
      } catch (err) {
        if (err instanceof AppError) throw err;
        mapTemporalError(err, workflowId);
      }
    },

    async cancel(actor: Actor, workflowId: string, reason?: string, origin: Origin = {}) {
      const orderId = orderOfWorkflow(workflowId);
      if (orderId) {
        // An order's workflow is cancelled the order's way: its cancel transition (the order's
        // rules decide; held stock is released and the timeline says who and why). A Temporal
        // cancellation would end the workflow and leave the order open with its stock held.
        await orders().transition(actor, orderId, { action: 'cancel', reason: reason ?? 'cancelled by platform staff from the workflows console' }, origin);
        await record(actor, 'workflow.cancel_requested', workflowId, { order_id: orderId, ...(reason ? { reason } : {}) }, origin);
        return { workflow_id: workflowId, action: 'cancel', accepted: true };
      }
      const c = await client();
      await requireRunning(c, workflowId);
      try {
        await c.workflow.getHandle(workflowId).cancel();
      } catch (err) {
        mapTemporalError(err, workflowId);
      }
      await record(actor, 'workflow.cancel_requested', workflowId, reason ? { reason } : {}, origin);
      return { workflow_id: workflowId, action: 'cancel', accepted: true };
    },

    async terminate(actor: Actor, workflowId: string, reason: string, origin: Origin = {}) {
      const orderId = orderOfWorkflow(workflowId);
      if (orderId) {
        throw new AppError('CONFLICT', "An order's workflow is not terminated: the order would stay open with its stock held. Cancel it instead (POST /workflows/{workflowId}/cancel runs the order's cancel).", {
          workflow_id: workflowId,
          order_id: orderId,
        });
      }
      const c = await client();
      await requireRunning(c, workflowId);
      try {
        await c.workflow.getHandle(workflowId).terminate(reason);
      } catch (err) {
        mapTemporalError(err, workflowId);
      }
      await record(actor, 'workflow.terminated', workflowId, { reason }, origin);
      return { workflow_id: workflowId, action: 'terminate', accepted: true };
    },

    async signal(actor: Actor, workflowId: string, name: 'retry', payload?: unknown, origin: Origin = {}) {
      const c = await client();
      await requireRunning(c, workflowId);
      try {
        await c.workflow.getHandle(workflowId).signal(name, ...(payload === undefined ? [] : [payload]));
      } catch (err) {
        mapTemporalError(err, workflowId);
      }
      await record(actor, 'workflow.signaled', workflowId, { signal: name }, origin);
      return { workflow_id: workflowId, action: 'signal', accepted: true };
    },
  };
}
export type WorkflowService = ReturnType<typeof createWorkflowService>;
