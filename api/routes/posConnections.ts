import { Router } from 'express';
import { actorOf, listParams, originOf, param } from '../http/request.js';
import type { PosConnectionService } from '../services/posConnections.js';
import { sendOne } from './crud.js';

/** /pos-connections: CRUD plus the operator actions (test, run-now, pause, resume). */
export function posConnectionRoutes(service: PosConnectionService): Router {
  const router = Router();
  router.get('/pos-connections', async (req, res) => {
    res.json(await service.list(actorOf(req), listParams(req)));
  });
  router.post('/pos-connections', async (req, res) => {
    const created = await service.create(actorOf(req), req.body, originOf(req));
    sendOne(res, 201, created, `/api/v1/pos-connections/${String(created.id)}`);
  });
  router.get('/pos-connections/:id', async (req, res) => {
    sendOne(res, 200, await service.get(actorOf(req), param(req, 'id')));
  });
  router.patch('/pos-connections/:id', async (req, res) => {
    sendOne(res, 200, await service.update(actorOf(req), param(req, 'id'), req.body, originOf(req)));
  });
  router.delete('/pos-connections/:id', async (req, res) => {
    await service.remove(actorOf(req), param(req, 'id'), originOf(req));
    res.status(204).end();
  });
  router.post('/pos-connections/:id/test', async (req, res) => {
    res.json(await service.test(actorOf(req), param(req, 'id'), originOf(req)));
  });
  router.post('/pos-connections/:id/run-now', async (req, res) => {
    res.status(202).json(await service.runNow(actorOf(req), param(req, 'id'), originOf(req)));
  });
  router.post('/pos-connections/:id/pause', async (req, res) => {
    sendOne(res, 200, await service.setPaused(actorOf(req), param(req, 'id'), true, originOf(req)));
  });
  router.post('/pos-connections/:id/resume', async (req, res) => {
    sendOne(res, 200, await service.setPaused(actorOf(req), param(req, 'id'), false, originOf(req)));
  });
  return router;
}
