import { Router } from 'express';
import type { Redis } from 'ioredis';
import { purgeAll } from '../services/cache.js';
import { CACHED_LISTS } from '../services/crud.js';
import { requirePermission } from '../http/request.js';

/** Platform maintenance; the access rule (admin:system) is declared in openapi.yaml. */
export function adminRoutes(redis: Redis): Router {
  const router = Router();
  router.post('/admin/cache/purge', async (req, res) => {
    requirePermission(req, 'admin:system');
    res.json({ purged: await purgeAll(redis, [...CACHED_LISTS]) });
  });
  return router;
}
