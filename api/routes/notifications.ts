import { Router } from 'express';
import type { ApiDeps } from '../deps.js';
import { actorOf, listParams, param } from '../http/request.js';
import { inAppToApi } from '../presenters/notifications.js';
import { presentPage } from '../presenters/page.js';
import { createNotificationService } from '../services/notifications.js';

/** The signed-in user's in-app notifications: the console's bell and /notifications page. */
export function notificationRoutes(deps: ApiDeps): Router {
  const router = Router();
  const notifications = createNotificationService(deps);
  router.get('/notifications', async (req, res) => {
    const p = listParams(req);
    const page = await notifications.list(actorOf(req), { page: p.page, limit: p.limit, unread: p.unread === true || p.unread === 'true' });
    res.json(presentPage(page, inAppToApi));
  });
  router.get('/notifications/unread-count', async (req, res) => {
    res.json(await notifications.unreadCount(actorOf(req)));
  });
  router.post('/notifications/read-all', async (req, res) => {
    res.json(await notifications.markAllRead(actorOf(req)));
  });
  router.post('/notifications/:id/read', async (req, res) => {
    res.json(inAppToApi(await notifications.markRead(actorOf(req), param(req, 'id'))));
  });
  return router;
}
