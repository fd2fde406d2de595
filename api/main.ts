import { logConnectionBudget } from '../db/poolLog.js';
import { startPlatform, stopTelemetry } from '../platform/composition.js';
import { createHttpServer } from '../platform/httpServer.js';
import { onShutdown } from '../platform/shutdown.js';
import { createApp } from './app.js';
import { startRealtime } from './realtime/index.js';

const deps = await startPlatform({ role: 'api' });
const { config: cfg, log } = deps;
logConnectionBudget(log, cfg, 'api', deps.sequelize);
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
  await deps.close();
  await stopTelemetry();
});
