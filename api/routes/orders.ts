import { Router } from 'express';
import { actorOf, ifMatch, listParams, param } from '../http/request.js';
import type { CrudService } from '../services/crud.js';
import type { OrderService } from '../services/orders.js';
import { sendOne } from './crud.js';

export function orderRoutes(list: CrudService, orders: OrderService): Router {
  const router = Router();
  router.get('/orders', async (req, res) => {
    res.json(await list.list(actorOf(req), listParams(req)));
  });
  router.post('/orders', async (req, res) => {
    const created = await orders.create(actorOf(req), req.body);
    sendOne(res, 201, created, `/api/v1/orders/${String(created.id)}`);
  });
  router.get('/orders/:id', async (req, res) => {
    sendOne(res, 200, await orders.get(actorOf(req), param(req, 'id')));
  });
  router.patch('/orders/:id', async (req, res) => {
    sendOne(res, 200, await orders.update(actorOf(req), param(req, 'id'), req.body, ifMatch(req)));
  });

  router.get('/orders/:orderId/items', async (req, res) => {
    const p = listParams(req);
    res.json(await orders.listItems(actorOf(req), param(req, 'orderId'), p.page, p.limit, p.sort));
  });
  router.post('/orders/:orderId/items', async (req, res) => {
    const orderId = param(req, 'orderId');
    const item = await orders.addItem(actorOf(req), orderId, req.body);
    sendOne(res, 201, item, `/api/v1/orders/${orderId}/items/${String(item.id)}`);
  });
  router.get('/orders/:orderId/items/:id', async (req, res) => {
    sendOne(res, 200, await orders.getItem(actorOf(req), param(req, 'orderId'), param(req, 'id')));
  });
  router.patch('/orders/:orderId/items/:id', async (req, res) => {
    const item = await orders.updateItem(actorOf(req), param(req, 'orderId'), param(req, 'id'), req.body.quantity, ifMatch(req));
    sendOne(res, 200, item);
  });
  router.delete('/orders/:orderId/items/:id', async (req, res) => {
    await orders.removeItem(actorOf(req), param(req, 'orderId'), param(req, 'id'));
    res.status(204).end();
  });
  return router;
}
