import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { logger } from '../platform/logger.js';
import { pingRedis } from '../platform/redis.js';
import type { ApiDeps } from './deps.js';
import { errorHandler, notFoundHandler } from './middleware/errors.js';
import { healthRoutes } from './routes/health.js';
import { metricsMiddleware, metricsRoute } from './routes/metrics.js';

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet());
  app.use((req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    req.headers['x-request-id'] = id;
    res.setHeader('x-request-id', id);
    next();
  });
  app.use(
    pinoHttp({
      logger: logger(),
      genReqId: (req) => req.headers['x-request-id'] as string,
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );
  app.use(metricsMiddleware);

  app.use(
    healthRoutes(
      {
        mysql: async () => {
          await deps.sequelize.query('SELECT 1');
        },
        redis: async () => {
          await pingRedis(deps.redis);
        },
        temporal: (signal) => deps.temporal.ping(signal),
      },
      deps.config.readinessTimeoutMs,
    ),
  );
  app.use(metricsRoute());

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
