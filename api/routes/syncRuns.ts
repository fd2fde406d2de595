import { Router } from 'express';
import { actorOf, listParams, param } from '../http/request.js';
import type { SyncRunService } from '../services/syncRuns.js';

/** Run history for operators: list with filters, one run's counts and progress, its item errors. */
export function syncRunRoutes(service: SyncRunService): Router {
  const router = Router();
  router.get('/sync-runs', async (req, res) => {
    res.json(await service.list(actorOf(req), listParams(req)));
  });
  router.get('/sync-runs/:id', async (req, res) => {
    res.json(await service.get(actorOf(req), param(req, 'id')));
  });
  router.get('/sync-runs/:id/item-errors', async (req, res) => {
    const p = listParams(req);
    res.json(await service.itemErrors(actorOf(req), param(req, 'id'), p.page, p.limit));
  });
  return router;
}
