/**
 * Test and demo controls under /__sandbox: a prefix METRC never uses, so nothing here can be
 * mistaken for API surface. No auth: the sandbox only ever listens for local tests and demos.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { parseFaults, type FaultInjector } from './faults.js';
import { AdminError, editTransfer, registerManifest, voidTransfer, type TransferEdit } from './manifests.js';
import { METRC_RATE_LIMITS, parseRateLimits, type RateLimiter } from './rate-limit.js';
import type { SandboxStore, SbTransfer } from './store.js';
import { transferRow } from './routes-transfers.js';

const manifest = (store: SandboxStore, t: SbTransfer) => ({
  Id: t.Id,
  ManifestNumber: t.ManifestNumber,
  TemplateId: t.templateId,
  IsVoided: t.IsVoided,
  Deliveries: t.deliveries.map((d) => ({
    ...transferRow(store, t, d),
    PackageLabels: d.packages.map((p) => p.PackageLabel),
  })),
});

export function adminRoutes(store: SandboxStore, faults: FaultInjector, limiter: RateLimiter | null): Router {
  const r = Router();
  r.use(express.json());

  r.get('/state', (_req, res) => {
    res.json({ ...store.summary(), faults: faults.config, rateLimits: limiter?.config ?? null });
  });

  // Back to how the sandbox was started: seed data, start-up faults and start-up limits.
  const initialFaults = structuredClone(faults.config);
  const initialLimits = limiter ? structuredClone(limiter.config) : null;
  r.post('/reset', (_req, res) => {
    store.reset();
    faults.config = structuredClone(initialFaults);
    faults.clear();
    if (limiter && initialLimits) limiter.reset(structuredClone(initialLimits));
    res.json(store.summary());
  });

  r.get('/faults', (_req, res) => res.json(faults.config));
  // Writes the holdWrite fault held: arrival and release (commit) times, epoch ms.
  r.get('/held-writes', (_req, res) => res.json(faults.heldWrites));
  r.put('/faults', (req, res) => {
    faults.config = parseFaults(req.body ?? {});
    res.json(faults.config);
  });

  r.put('/rate-limits', (req, res) => {
    if (!limiter) throw new AdminError(409, 'Rate limiting was disabled when the sandbox was created.');
    limiter.reset(parseRateLimits({ ...METRC_RATE_LIMITS, ...(req.body ?? {}) }));
    res.json(limiter.config);
  });

  r.post('/templates/:id/register-manifest', (req, res) => {
    res.status(201).json(manifest(store, registerManifest(store, Number(req.params.id))));
  });

  r.post('/transfers/:id/void', (req, res) => {
    res.json(manifest(store, voidTransfer(store, Number(req.params.id))));
  });

  r.patch('/transfers/:id', (req, res) => {
    res.json(manifest(store, editTransfer(store, Number(req.params.id), (req.body ?? {}) as TransferEdit)));
  });

  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = err instanceof AdminError ? err.status : 400;
    res.status(status).json({ error: err instanceof Error ? err.message : String(err) });
  });
  return r;
}
