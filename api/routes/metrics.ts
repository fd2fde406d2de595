import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import client from 'prom-client';
import { AppError } from '../../domain/errors.js';
import { registry } from '../../platform/metrics.js';
import { requestSpanNamer } from '../../platform/telemetry/index.js';

const httpDuration = new client.Histogram({
  name: 'trellis_http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const metricsMiddleware: RequestHandler = (req, res, next) => {
  const end = httpDuration.startTimer();
  const nameSpan = requestSpanNamer();
  res.on('finish', () => {
    // The matched route pattern keeps label cardinality bounded (no ids in labels).
    const route = (req.route?.path as string | undefined) ?? (res.statusCode === 404 ? 'unmatched' : req.baseUrl || 'other');
    end({ method: req.method, route, status: String(res.statusCode) });
    if (req.route?.path) nameSpan(req.method, `${req.baseUrl}${String(req.route.path)}`);
  });
  next();
};

const sameSecret = (a: string, b: string) => {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
};

/**
 * GET /metrics for the Prometheus scraper only: `Authorization: Bearer <METRICS_TOKEN>`. Without a
 * configured token the endpoint is not served at all (404) — process and route internals are not
 * for the public internet, and an unset token must not mean "open".
 */
export function metricsRoute(token: string | undefined): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (!token) throw new AppError('NOT_FOUND', 'Not found');
    const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!presented || !sameSecret(presented, token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new AppError('UNAUTHORIZED', 'A valid metrics token is required');
    }
    res.setHeader('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  });
  return router;
}

export { registry };
