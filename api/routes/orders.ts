import { Router } from 'express';
import { actorOf, ifMatch, listParams, originOf, param } from '../http/request.js';
import { withAvailableTransitions } from '../resources/orders.js';
import type { CrudService } from '../services/crud.js';
import type { NameService } from '../services/names.js';
import type { OrderService } from '../services/orders.js';
import { sendExpanded, sendOne } from './crud.js';

export function orderRoutes(list: CrudService, orders: OrderService, names: NameService): Router {
  const router = Router();
  router.get('/orders', async (req, res) => {
    const actor = actorOf(req);
    const page = await list.list(actor, listParams(req));
    res.json({ ...page, data: await names.orders(page.data.map((o) => withAvailableTransitions(o, actor))) });
  });
  router.post('/orders', async (req, res) => {
    const { order, labels } = await orders.create(actorOf(req), req.body, originOf(req));
    await sendExpanded(res, 201, order, (rows) => names.orders(rows, labels), `/api/v1/orders/${String(order.id)}`);
  });
  router.get('/orders/:id', async (req, res) => {
    await sendExpanded(res, 200, await orders.get(actorOf(req), param(req, 'id')), names.orders);
  });
  router.patch('/orders/:id', async (req, res) => {
    await sendExpanded(res, 200, await orders.update(actorOf(req), param(req, 'id'), req.body, ifMatch(req), originOf(req)), names.orders);
  });
  router.post('/orders/:id/transitions', async (req, res) => {
    await sendExpanded(res, 200, await orders.transition(actorOf(req), param(req, 'id'), req.body, originOf(req)), names.orders);
  });
  router.post('/orders/:id/compliance-override', async (req, res) => {
    const body = { action: 'ship', reason: req.body.reason, compliance_override: true };
    await sendExpanded(res, 200, await orders.transition(actorOf(req), param(req, 'id'), body, originOf(req)), names.orders);
  });
  router.post('/orders/:id/metrc/check', async (req, res) => {
    // 202: the check runs in the transfer workflow; its outcome shows in metrc.state and events.
    await sendExpanded(res, 202, await orders.checkMetrc(actorOf(req), param(req, 'id')), names.orders);
  });
  router.get('/orders/:id/timeline', async (req, res) => {
    const p = listParams(req);
    res.json(await orders.timeline(actorOf(req), param(req, 'id'), p.page, p.limit));
  });

  router.get('/orders/:orderId/items', async (req, res) => {
    const p = listParams(req);
    res.json(await orders.listItems(actorOf(req), param(req, 'orderId'), p.page, p.limit, p.sort));
  });
  router.post('/orders/:orderId/items', async (req, res) => {
    const orderId = param(req, 'orderId');
    const item = await orders.addItem(actorOf(req), orderId, req.body, originOf(req));
    sendOne(res, 201, item, `/api/v1/orders/${orderId}/items/${String(item.id)}`);
  });
  router.get('/orders/:orderId/items/:id', async (req, res) => {
    sendOne(res, 200, await orders.getItem(actorOf(req), param(req, 'orderId'), param(req, 'id')));
  });
  router.patch('/orders/:orderId/items/:id', async (req, res) => {
    const item = await orders.updateItem(actorOf(req), param(req, 'orderId'), param(req, 'id'), req.body.quantity, ifMatch(req), originOf(req));
    sendOne(res, 200, item);
  });
  router.delete('/orders/:orderId/items/:id', async (req, res) => {
    await orders.removeItem(actorOf(req), param(req, 'orderId'), param(req, 'id'), originOf(req));
    res.status(204).end();
  });
  return router;
}
