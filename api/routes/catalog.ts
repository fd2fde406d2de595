import { Router, type Response } from 'express';
import { listParams, param, requirePermission } from '../http/request.js';
import type { CatalogService } from '../services/catalog.js';
import { sendOne } from './crud.js';

/** The retailer-facing catalogue: GET /catalog and GET /catalog/{variantId}. */
export function catalogRoutes(service: CatalogService, opts: { validateResponses: boolean }): Router {
  const router = Router();
  // Pages come back as JSON text (often from the cache) and are sent as they are, unless responses
  // are being validated, which only sees what goes through res.json.
  const sendText = (res: Response, body: string) => {
    if (opts.validateResponses) res.json(JSON.parse(body));
    else res.type('application/json').send(body);
  };
  router.get('/catalog', async (req, res) => {
    requirePermission(req, 'catalog:browse');
    sendText(res, await service.listJson(listParams(req)));
  });
  router.get('/catalog/:variantId', async (req, res) => {
    requirePermission(req, 'catalog:browse');
    sendOne(res, 200, JSON.parse(await service.getJson(param(req, 'variantId'))) as Record<string, unknown>);
  });
  return router;
}
