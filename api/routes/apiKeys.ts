import { Router } from 'express';
import type { ApiDeps } from '../deps.js';
import { actorOf, listParams, originOf, param } from '../http/request.js';
import { apiKeyToApi } from '../presenters/apiKeys.js';
import { presentPage } from '../presenters/page.js';
import { createApiKeyService } from '../services/authApiKeys.js';

/** Partner API keys of an entity: the secret appears once, in the creation answer. */
export function apiKeyRoutes(deps: ApiDeps): Router {
  const router = Router();
  const keys = createApiKeyService(deps);
  router.get('/api-keys', async (req, res) => {
    const p = listParams(req);
    const page = await keys.list(actorOf(req), {
        page: p.page,
        limit: p.limit,
        entity_id: p.entity_id as string | undefined,
      include_revoked: p.include_revoked === true || p.include_revoked === 'true',
    });
    res.json(presentPage(page, apiKeyToApi));
  });
  router.post('/api-keys', async (req, res) => {
    const { row, key } = await keys.create(actorOf(req), req.body, originOf(req));
    const created = { ...apiKeyToApi(row), key };
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).setHeader('Location', `/api/v1/api-keys/${created.id}`).json(created);
  });
  router.get('/api-keys/:id', async (req, res) => {
    res.json(apiKeyToApi(await keys.get(actorOf(req), param(req, 'id'))));
  });
  router.delete('/api-keys/:id', async (req, res) => {
    await keys.revoke(actorOf(req), param(req, 'id'), originOf(req));
    res.status(204).end();
  });
  return router;
}
