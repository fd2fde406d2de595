import { Router } from 'express';
import type { ApiDeps } from '../deps.js';
import { originOf, requirePermission } from '../http/request.js';
import { credentialToApi } from '../presenters/metrcCredentials.js';
import { createMetrcCredentialService } from '../services/metrcCredentials.js';

/** A licence's METRC user key: set, inspect (never the key), test against METRC, remove. */
export function metrcCredentialRoutes(deps: ApiDeps): Router {
  const router = Router();
  const creds = createMetrcCredentialService(deps);
  const license = (p: unknown) => String(p);

  router.get('/metrc-credentials', async (req, res) => {
    const entityId = typeof req.query.entity_id === 'string' ? req.query.entity_id : undefined;
    const { data } = await creds.list(requirePermission(req, 'metrc-credentials:manage'), entityId ? { entity_id: entityId } : {});
    res.json({ data: data.map(credentialToApi) });
  });
  router.get('/metrc-credentials/:licenseNumber', async (req, res) => {
    res.json(credentialToApi(await creds.get(requirePermission(req, 'metrc-credentials:manage'), license(req.params.licenseNumber))));
  });
  router.put('/metrc-credentials/:licenseNumber', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(credentialToApi(await creds.store(requirePermission(req, 'metrc-credentials:manage'), license(req.params.licenseNumber), String(req.body.user_key), originOf(req))));
  });
  router.delete('/metrc-credentials/:licenseNumber', async (req, res) => {
    await creds.remove(requirePermission(req, 'metrc-credentials:manage'), license(req.params.licenseNumber), originOf(req));
    res.status(204).end();
  });
  router.post('/metrc-credentials/:licenseNumber/test', async (req, res) => {
    const result = await creds.test(requirePermission(req, 'metrc-credentials:manage'), license(req.params.licenseNumber), originOf(req));
    res.json({ ...result, credential: credentialToApi(result.credential) });
  });
  return router;
}
