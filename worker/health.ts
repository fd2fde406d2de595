/**
 * The worker's own small HTTP port (WORKER_HEALTH_PORT): GET /healthz answers 200 while every
 * Worker of the process is running, 503 otherwise; GET /metrics serves the business metrics
 * (platform/metrics.ts) behind the same bearer METRICS_TOKEN as the API's, 404 without a token.
 * The SDK's own metrics are on TEMPORAL_METRICS_BIND, served by Temporal's core.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from '@temporalio/worker';
import { bearerMatches, registry } from '../platform/metrics.js';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(opts: { port: number; host?: string; workers: () => readonly Worker[]; metricsToken?: string }): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/healthz') {
      const states = opts.workers().map((w) => w.getState());
      const ok = states.length > 0 && states.every((s) => s === 'RUNNING');
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', workers: states }));
      return;
    }
    if (path === '/metrics' && opts.metricsToken) {
      if (!bearerMatches(req.headers.authorization, opts.metricsToken)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'A valid metrics token is required' } }));
        return;
      }
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Not found' } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
