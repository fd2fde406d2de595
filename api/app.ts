import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import { logger, requestSerializers } from '../platform/logger.js';
import { pingRedis } from '../platform/redis.js';
import { config } from '../platform/config.js';
import type { ApiDeps } from './deps.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { consoleRoutes } from './console.js';
import { healthRoutes } from './routes/health.js';
import { apiRoutes } from './routes/index.js';
import { docsRoutes, openapiDocument, openapiValidator } from './http/openapi.js';
import { idempotency } from './http/idempotency.js';
import { assertEveryOperationHasARule, authenticate } from './http/auth.js';
import { operationGate } from './http/route.js';
import { rejectControlCharacters } from './http/controlChars.js';
import { cors } from './http/cors.js';
import { metricsMiddleware, metricsRoute } from './routes/metrics.js';
import { pingDatabase } from '../db/repositories/health.js';

export function createApp(deps: ApiDeps): Express {
  // Refuse to start when an operation in the contract has no access rule (domain/policy.ts).
  assertEveryOperationHasARule(openapiDocument);
  const app = express();
  app.disable('x-powered-by');
  // Who may name the client address (X-Forwarded-For): login throttling and rate limits key on req.ip.
  app.set('trust proxy', deps.config.trustProxy);
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
      // The process logger, unless this app was configured with another level (benchmarks and
      // embedded apps asking for quiet): then a child at that level, so quiet really is quiet.
      logger: (deps.config.logLevel === config().logLevel ? logger() : logger().child({}, { level: deps.config.logLevel })) as Logger,
      genReqId: (req) => req.headers['x-request-id'] as string,
      // One short line per request: serializing every header of request and response on each
      // call cost more CPU than some handlers. The id links to anything else logged for it.
      serializers: requestSerializers,
      wrapSerializers: false,
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );
  app.use(metricsMiddleware);
  // Before anything else reads the path: every spelling of an API path becomes the spec's one.
  app.use(operationGate(openapiDocument));

  app.use(
    healthRoutes(
      {
        mysql: async () => {
          await pingDatabase(deps.sequelize);
        },
        redis: async () => {
          await pingRedis(deps.redis);
        },
        temporal: (signal) => deps.temporal.ping(signal),
      },
      deps.config.readinessTimeoutMs,
    ),
  );
  app.use(metricsRoute(deps.config.security.metricsToken));
  app.use(docsRoutes());

  app.use('/api', cors(deps.config.corsOrigins));
  app.use('/api', express.json({ limit: '256kb', strict: true, type: ['application/json', 'application/*+json'] }));
  app.use('/api', rejectControlCharacters);
  // Who is calling and may they use this operation — before validation, so 401/403 win over 400.
  app.use(authenticate(deps));
  app.use(openapiValidator({ validateResponses: deps.config.validateResponses }));
  app.use('/api', idempotency(deps));
  app.use('/api/v1', apiRoutes(deps));

  // The operations console (web/build) at `/`, SPA fallback for every non-API GET.
  app.use(consoleRoutes());

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
