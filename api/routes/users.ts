import { Router } from 'express';
import type { ApiDeps } from '../deps.js';
import { listParams, originOf, param, requirePermission } from '../http/request.js';
import { presentPage } from '../presenters/page.js';
import { userAdminToApi } from '../presenters/users.js';
import { createUserService } from '../services/users.js';

/**
 * People of the platform and of each entity (/users), and the public end of an invitation link
 * (/auth/set-password). Answers carrying a link are no-store: it is shown once.
 */
export function userRoutes(deps: ApiDeps): Router {
  const router = Router();
  const users = createUserService(deps);

  router.get('/users', async (req, res) => {
    const actor = requirePermission(req, 'users:read');
    const p = listParams(req);
    const page = await users.list(actor, {
        page: p.page,
        limit: p.limit,
        ...(typeof p.q === 'string' && p.q ? { q: p.q } : {}),
        ...(typeof p.role === 'string' ? { role: p.role } : {}),
        ...(typeof p.status === 'string' ? { status: p.status as 'active' | 'invited' | 'disabled' } : {}),
      ...(typeof p.entity_id === 'string' ? { entity_id: p.entity_id } : {}),
    });
    res.json(presentPage(page, userAdminToApi));
  });

  router.post('/users', async (req, res) => {
    const invited = await users.invite(requirePermission(req, 'users:manage'), req.body, originOf(req));
    const created = { user: userAdminToApi(invited.user), invitation: invited.invitation };
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).setHeader('Location', `/api/v1/users/${created.user.id}`).json(created);
  });

  router.get('/users/:id', async (req, res) => {
    res.json(userAdminToApi(await users.get(requirePermission(req, 'users:read'), param(req, 'id'))));
  });

  router.patch('/users/:id', async (req, res) => {
    res.json(userAdminToApi(await users.update(requirePermission(req, 'users:manage'), param(req, 'id'), req.body, originOf(req))));
  });

  router.post('/users/:id/deactivate', async (req, res) => {
    res.json(userAdminToApi(await users.deactivate(requirePermission(req, 'users:manage'), param(req, 'id'), originOf(req))));
  });

  router.post('/users/:id/reactivate', async (req, res) => {
    res.json(userAdminToApi(await users.reactivate(requirePermission(req, 'users:manage'), param(req, 'id'), originOf(req))));
  });

  router.post('/users/:id/mfa-reset', async (req, res) => {
    res.json(userAdminToApi(await users.resetMfa(requirePermission(req, 'users:manage'), param(req, 'id'), originOf(req))));
  });

  router.post('/users/:id/invitation', async (req, res) => {
    const again = await users.reinvite(requirePermission(req, 'users:manage'), param(req, 'id'), originOf(req));
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({ user: userAdminToApi(again.user), invitation: again.invitation });
  });

  router.post('/auth/set-password', async (req, res) => {
    await users.setPassword({ token: String(req.body.token), password: String(req.body.password) }, originOf(req));
    res.setHeader('Cache-Control', 'no-store');
    res.status(204).end();
  });

  return router;
}
