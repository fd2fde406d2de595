import { Router, type Request } from 'express';
import { isPlatform, type Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import { actorOf, listParams, originOf } from '../http/request.js';
import type { createDashboardService } from '../services/dashboard.js';
import { isSearchAttribute, parseAttribute, type WorkflowFilters, type WorkflowStatusFilter } from '../services/workflowQuery.js';
import type { WorkflowService } from '../services/workflows.js';

/** Workflows are platform-wide; entity users and partners never see them. */
function staff(req: Request, write = false): Actor {
  const actor = actorOf(req);
  if (!isPlatform(actor)) throw new AppError('FORBIDDEN', 'Workflows are visible to platform staff only');
  if (write && actor.role !== 'admin' && actor.role !== 'operator' && actor.role !== 'system') {
    throw new AppError('FORBIDDEN', 'Only operators and admins may act on workflows', { role: actor.role });
  }
  return actor;
}

const wfId = (req: Request) => String(req.params.workflowId);

function filtersOf(req: Request): WorkflowFilters {
  const q = req.query as Record<string, unknown>;
  const raw = q.attribute === undefined ? [] : Array.isArray(q.attribute) ? q.attribute.map(String) : [String(q.attribute)];
  const attributes = raw.map((r) => {
    const a = parseAttribute(r);
    if (!a || !isSearchAttribute(a.name)) {
      throw new AppError('VALIDATION_ERROR', 'attribute must be Name=value with a known search attribute', { field: 'attribute', issue: r });
    }
    return { name: a.name, value: a.value };
  });
  return {
    ...(typeof q.type === 'string' ? { type: q.type } : {}),
    ...(typeof q.status === 'string' ? { status: q.status as WorkflowStatusFilter } : {}),
    ...(typeof q.task_queue === 'string' ? { task_queue: q.task_queue } : {}),
    ...(typeof q.workflow_id === 'string' ? { workflow_id: q.workflow_id } : {}),
    attributes,
  };
}

export function workflowRoutes(workflows: WorkflowService, dashboard: ReturnType<typeof createDashboardService>): Router {
  const router = Router();
  router.get('/dashboard/summary', async (req, res) => {
    res.json(await dashboard.summary(actorOf(req)));
  });
  router.get('/workflows', async (req, res) => {
    staff(req);
    const p = listParams(req);
    res.json(await workflows.list(filtersOf(req), p.page, p.limit));
  });
  router.get('/workflows/:workflowId', async (req, res) => {
    staff(req);
    res.json(await workflows.get(wfId(req)));
  });
  router.post('/workflows/:workflowId/cancel', async (req, res) => {
    const body = (req.body ?? {}) as { reason?: string };
    res.status(202).json(await workflows.cancel(staff(req, true), wfId(req), body.reason, originOf(req)));
  });
  router.post('/workflows/:workflowId/terminate', async (req, res) => {
    res.status(202).json(await workflows.terminate(staff(req, true), wfId(req), String(req.body.reason), originOf(req)));
  });
  router.post('/workflows/:workflowId/signal', async (req, res) => {
    const body = req.body as { name: 'retry'; payload?: unknown };
    res.status(202).json(await workflows.signal(staff(req, true), wfId(req), body.name, body.payload, originOf(req)));
  });
  return router;
}
