import type { NextFunction, Request, Response } from 'express';
import { unit } from './random.js';

export interface Faults {
  /** Share of vendor API requests answered 500. */
  errorRate: number;
  /** Share answered 429 with Retry-After. */
  rateLimitRate: number;
  retryAfterSeconds: number;
  /** Delay before every vendor API answer. */
  slowMs: number;
  /** Share of items served with broken fields. */
  malformedRate: number;
  /** Reject every credential, as if the key had been revoked. */
  badCredentials: boolean;
}

export const NO_FAULTS: Faults = {
  errorRate: 0,
  rateLimitRate: 0,
  retryAfterSeconds: 1,
  slowMs: 0,
  malformedRate: 0,
  badCredentials: false,
};

const RATES = ['errorRate', 'rateLimitRate', 'malformedRate'] as const;

/** Merges a PUT body into the current faults; returns an error message for a bad body. */
export function mergeFaults(current: Faults, body: unknown): Faults | string {
  if (typeof body !== 'object' || body === null) return 'body must be a JSON object';
  const b = body as Record<string, unknown>;
  const next = { ...current };
  for (const k of RATES) {
    if (b[k] === undefined) continue;
    const v = b[k];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) return `${k} must be a number in [0, 1]`;
    next[k] = v;
  }
  for (const k of ['retryAfterSeconds', 'slowMs'] as const) {
    if (b[k] === undefined) continue;
    const v = b[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return `${k} must be a non-negative integer`;
    next[k] = v;
  }
  if (b.badCredentials !== undefined) {
    if (typeof b.badCredentials !== 'boolean') return 'badCredentials must be a boolean';
    next.badCredentials = b.badCredentials;
  }
  return next;
}

/**
 * Vendor-route middleware applying delay, credential check and random failures, in that order:
 * a real API authenticates before it rate-limits. Random draws come from a seeded request counter
 * so a given fault setting fails the same requests on every run.
 */
export function faultMiddleware(opts: {
  faults: () => Faults;
  seed: () => number;
  authorized: (req: Request) => boolean;
  unauthorized: (res: Response) => void;
  failed: (res: Response, status: number) => void;
}) {
  let requestNo = 0;
  return async (req: Request, res: Response, next: NextFunction) => {
    const f = opts.faults();
    const n = requestNo++;
    if (f.slowMs > 0) await new Promise((r) => setTimeout(r, f.slowMs));
    if (f.badCredentials || !opts.authorized(req)) return opts.unauthorized(res);
    if (f.rateLimitRate > 0 && unit(opts.seed(), n, 7) < f.rateLimitRate) {
      res.setHeader('Retry-After', String(f.retryAfterSeconds));
      return opts.failed(res, 429);
    }
    if (f.errorRate > 0 && unit(opts.seed(), n, 8) < f.errorRate) return opts.failed(res, 500);
    next();
  };
}
