import { Router } from 'express';
import { AppError } from '../../domain/errors.js';
import type { ApiDeps } from '../deps.js';
import { preferencesFromApi, preferencesToApi, type ApiPreferences } from '../presenters/notificationPreferences.js';
import { createNotificationPreferenceService } from '../services/notificationPreferences.js';

/** My notification preferences (/auth/me/notification-preferences) and the emails' unsubscribe link. */
export function notificationPreferenceRoutes(deps: ApiDeps): Router {
  const router = Router();
  const prefs = createNotificationPreferenceService(deps);
  const me = (req: { auth?: { user?: { id: string } | undefined; sessionId?: string | undefined } }) => {
    if (!req.auth?.sessionId || !req.auth.user) throw new AppError('FORBIDDEN', 'This operation needs a user session, not an API key');
    return req.auth.user.id;
  };

  router.get('/auth/me/notification-preferences', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(preferencesToApi(await prefs.get(me(req))));
  });

  router.put('/auth/me/notification-preferences', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(preferencesToApi(await prefs.put(me(req), preferencesFromApi(req.body as ApiPreferences))));
  });

  // GET: a person clicking the link; POST: a mail client's one-click (RFC 8058, List-Unsubscribe-Post).
  for (const method of ['get', 'post'] as const) {
    router[method]('/notifications/unsubscribe', async (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json(await prefs.unsubscribe(String(req.query.token ?? '')));
    });
  }

  return router;
}
