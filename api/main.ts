import { createAtomicWriter } from '../db/tx.js';
import { createSequelize } from '../db/connection.js';
import { logConnectionBudget } from '../db/poolLog.js';
import { config } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { createRedis } from '../platform/redis.js';
import { createHttpServer } from '../platform/httpServer.js';
import { onShutdown } from '../platform/shutdown.js';
import { LazyTemporalClient } from '../platform/temporal.js';
import { createApp } from './app.js';
import { startRealtime } from './realtime/index.js';

process.env.TRELLIS_PROCESS ??= 'api';
const cfg = config();
const log = logger();
const deps = {
  config: cfg,
  sequelize: createSequelize(cfg.databaseUrl, cfg.pools.api),
  writer: createAtomicWriter(cfg.databaseUrl, cfg.pools.writer),
  redis: createRedis(cfg.redisUrl, 'trellis-api'),
  temporal: new LazyTemporalClient(),
};
logConnectionBudget(log, cfg, 'api', deps.sequelize);
deps.redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
// Connect early so the first request does not pay for it; failures are retried on demand.
deps.temporal.get().catch((err: unknown) => log.warn({ err: String(err) }, 'temporal not reachable yet'));

const server = createHttpServer(createApp(deps));
const realtime = startRealtime(server, deps);
server.listen(cfg.port, cfg.host, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  log.info({ port }, `api listening on http://localhost:${port}`);
});

onShutdown(async () => {
  await realtime.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await Promise.allSettled([deps.sequelize.close(), deps.writer.close(), deps.redis.quit(), deps.temporal.close()]);
});
