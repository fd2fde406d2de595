/**
 * A local METRC v2 emulator (express 5): same wire format, METRC-like validation and access
 * rules, token-bucket GET limits, and fault injection, all over in-memory state.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { createHttpServer } from '../../platform/httpServer.js';
import { adminRoutes } from './admin.js';
import { authenticate, caller } from './auth.js';
import { demoSeed, seededRandom, type SandboxSeed } from './demo-data.js';
import { FaultInjector, NO_FAULTS, parseFaults, type FaultConfig } from './faults.js';
import { METRC_RATE_LIMITS, parseRateLimits, RateLimiter, type RateLimitConfig } from './rate-limit.js';
import { facilityRoutes } from './routes-facilities.js';
import { packageRoutes } from './routes-packages.js';
import { salesRoutes } from './routes-sales.js';
import { transferRoutes } from './routes-transfers.js';
import { SandboxStore } from './store.js';
import { query, sendMessage, sendRowErrors, type KeyCase } from './wire.js';

export interface MetrcSandboxOptions {
  /** Defaults to the demo seed (demo-data.ts). */
  seed?: SandboxSeed;
  faults?: Partial<FaultConfig>;
  /** METRC's GET limits by default; false turns limiting off. */
  rateLimits?: Partial<RateLimitConfig> | false;
  /** Write bodies longer than this get 413. Default 10. */
  maxObjectsPerRequest?: number;
  /** Answer in camelCase like some states do. Default pascal. */
  keyCase?: KeyCase;
  now?: () => Date;
  /** Seed for fault dice, so runs with fault rates between 0 and 1 are repeatable. */
  randomSeed?: number;
}

export interface RunningSandbox {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface MetrcSandbox {
  app: Express;
  state: SandboxStore;
  faults: FaultInjector;
  rateLimiter: RateLimiter | null;
  start(port?: number, host?: string): Promise<RunningSandbox>;
}

export function createMetrcSandbox(options: MetrcSandboxOptions = {}): MetrcSandbox {
  const state = new SandboxStore(options.seed ?? demoSeed(), options.now);
  const faults = new FaultInjector(
    parseFaults(options.faults ?? {}, NO_FAULTS),
    state,
    seededRandom(options.randomSeed ?? 42),
  );
  const rateLimiter =
    options.rateLimits === false
      ? null
      : new RateLimiter(parseRateLimits({ ...METRC_RATE_LIMITS, ...options.rateLimits }));

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.locals.keyCase = options.keyCase ?? 'pascal';
  app.locals.maxObjectsPerRequest = options.maxObjectsPerRequest ?? 10;

  app.use('/__sandbox', adminRoutes(state, faults, rateLimiter));

  app.use((req, _res, next) => {
    state.counters.requests += 1;
    state.logRequest(req.method, req.path);
    next();
  });
  // Read the body before any injected latency: a real server keeps working on a request the
  // client has given up on, which is what makes a timed-out write ambiguous.
  app.use(express.json({ limit: '2mb' }));
  app.use(faults.middleware());
  app.use(authenticate(state));
  app.use((req: Request, res: Response, next: NextFunction) => {
    const retryAfter = rateLimiter?.check(req.method, caller(res).vendorKey, query(req, 'licenseNumber')) ?? 0;
    if (retryAfter === 0) return next();
    state.counters.rateLimited += 1;
    res.status(429).set('Retry-After', String(retryAfter)).end();
  });
  app.use(facilityRoutes(state), packageRoutes(state), transferRoutes(state), salesRoutes(state));
  app.use((req, res) =>
    sendMessage(res, 404, `No HTTP resource was found that matches the request URI '${req.path}'.`),
  );
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') {
      return sendRowErrors(res, [{ row: 0, message: 'The request body is not valid JSON.' }]);
    }
    if (e.status === 413) return sendMessage(res, 413, 'The request body is too large.');
    sendMessage(res, 500, 'An error has occurred.');
  });

  return {
    app,
    state,
    faults,
    rateLimiter,
    start(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        // The API's server: a client reusing a keep-alive socket as its idle timer runs is answered,
        // not reset (platform/httpServer.ts); bench:order-lifecycle's manifest registrar met that.
        const server: Server = createHttpServer(app);
        server.listen(port, host, () => {
          const actual = (server.address() as AddressInfo).port;
          resolve({
            url: `http://${host}:${actual}`,
            port: actual,
            close: () =>
              new Promise<void>((done) => {
                server.closeAllConnections();
                server.close(() => done());
              }),
          });
        });
        server.on('error', reject);
      });
    },
  };
}
