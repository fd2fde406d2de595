import { Router } from 'express';
import { checkAll, type CheckFn } from '../../platform/readiness.js';
import { envelope } from '../http/errors.js';

export function healthRoutes(checks: Record<string, CheckFn>, timeoutMs: number): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptime_s: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (_req, res) => {
    const { ok, dependencies } = await checkAll(checks, timeoutMs);
    if (ok) {
      res.json({ status: 'ok', dependencies });
      return;
    }
    const down = Object.entries(dependencies)
      .filter(([, s]) => s.status === 'down')
      .map(([name]) => name);
    res.status(503).json(envelope('SERVICE_UNAVAILABLE', `Not ready: ${down.join(', ')} down`, { down, dependencies }));
  });
  return router;
}
