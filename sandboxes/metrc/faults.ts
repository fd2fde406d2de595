/**
 * Fault injection for the METRC routes, so retry and reconciliation paths can be exercised on
 * purpose: latency, 500s, IIS HTML outage pages, 429s, "drop response" (the write is
 * committed, then the socket is destroyed without an answer: the ambiguous case), "hold write"
 * (METRC keeps working on a write for N seconds, past the client's timeout, and only then
 * commits it: the late commit that a natural-key check made too early cannot see), and
 * credential blips (every matching request answers 401/403 for N seconds from when the faults
 * were set, as when METRC's key service falters).
 */
import type { NextFunction, Request, Response } from 'express';
import type { SandboxStore } from './store.js';

export interface FaultConfig {
  /** Probability (0..1) of a JSON 500. */
  errorRate: number;
  /** Probability of a 429 with Retry-After: retryAfterSeconds. */
  rateLimitRate: number;
  retryAfterSeconds: number;
  /** Added before every matching request is handled. */
  latencyMs: number;
  /** Probability that the request is handled (writes commit) and the connection is then cut. */
  dropResponseRate: number;
  /** Probability of an HTML outage page with status htmlOutageStatus. */
  htmlOutageRate: number;
  htmlOutageStatus: number;
  /** Only these methods get faults (all when empty). */
  methods: string[];
  /** Only paths starting with this get faults. */
  pathPrefix: string;
  /** Stop injecting after this many faults (latency and credential blips excluded); null = no limit. */
  remaining: number | null;
  /** Probability that a write (any method but GET) is held holdWriteSeconds before it runs and commits. */
  holdWriteRate: number;
  holdWriteSeconds: number;
  /** For this many seconds after the faults are set, matching requests answer authBlipStatus. */
  authBlipSeconds: number;
  authBlipStatus: number;
}

/** A write held by the holdWrite fault: when it arrived and when it was let through to commit. */
export interface HeldWrite {
  method: string;
  path: string;
  receivedAt: number;
  releasedAt: number | null;
}

export const NO_FAULTS: FaultConfig = {
  errorRate: 0,
  rateLimitRate: 0,
  retryAfterSeconds: 1,
  latencyMs: 0,
  dropResponseRate: 0,
  htmlOutageRate: 0,
  htmlOutageStatus: 503,
  methods: [],
  pathPrefix: '/',
  remaining: null,
  holdWriteRate: 0,
  holdWriteSeconds: 0,
  authBlipSeconds: 0,
  authBlipStatus: 401,
};

const RATES = ['errorRate', 'rateLimitRate', 'dropResponseRate', 'htmlOutageRate', 'holdWriteRate'] as const;

/** Validates a (partial) fault config from JSON; unknown keys are refused to catch typos. */
export function parseFaults(value: unknown, base: FaultConfig = NO_FAULTS): FaultConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('faults must be a JSON object');
  const unknown = Object.keys(value).filter((k) => !(k in NO_FAULTS));
  if (unknown.length) throw new Error(`unknown fault setting(s): ${unknown.join(', ')}`);
  const out = { ...base, ...(value as Partial<FaultConfig>) };
  for (const k of RATES) {
    if (typeof out[k] !== 'number' || out[k] < 0 || out[k] > 1)
      throw new Error(`${k} must be a number between 0 and 1`);
  }
  for (const k of ['retryAfterSeconds', 'latencyMs', 'holdWriteSeconds', 'authBlipSeconds'] as const) {
    if (typeof out[k] !== 'number' || out[k] < 0) throw new Error(`${k} must be a number >= 0`);
  }
  if (!Number.isInteger(out.htmlOutageStatus) || out.htmlOutageStatus < 200 || out.htmlOutageStatus > 599) {
    throw new Error('htmlOutageStatus must be an HTTP status');
  }
  if (out.authBlipStatus !== 401 && out.authBlipStatus !== 403) throw new Error('authBlipStatus must be 401 or 403');
  if (!Array.isArray(out.methods)) throw new Error('methods must be an array');
  out.methods = out.methods.map((m) => String(m).toUpperCase());
  if (typeof out.pathPrefix !== 'string') throw new Error('pathPrefix must be a string');
  if (out.remaining !== null && (!Number.isInteger(out.remaining) || out.remaining < 0)) {
    throw new Error('remaining must be a non-negative integer or null');
  }
  return out;
}

/** METRC_SANDBOX_FAULTS='{"errorRate":0.1,...}' */
export function faultsFromEnv(env: Record<string, string | undefined> = process.env): FaultConfig {
  const raw = env.METRC_SANDBOX_FAULTS;
  if (!raw) return { ...NO_FAULTS };
  try {
    return parseFaults(JSON.parse(raw));
  } catch (e) {
    throw new Error(`METRC_SANDBOX_FAULTS is invalid: ${(e as Error).message}`, { cause: e });
  }
}

export const OUTAGE_PAGE = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Service Unavailable</title></head>
<body><h2>Service Unavailable</h2><hr /><p>HTTP Error 503. The service is unavailable.</p></body></html>`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FaultInjector {
  private current!: FaultConfig;
  /** Epoch ms until which the credential blip lasts; it starts when the faults are set. */
  private blipUntil = 0;
  /** Writes held by holdWrite, oldest first (bounded), for tests that order a late commit against checks. */
  heldWrites: HeldWrite[] = [];

  constructor(
    config: FaultConfig,
    private readonly store: SandboxStore,
    private readonly random: () => number,
  ) {
    this.config = config;
  }

  get config(): FaultConfig {
    return this.current;
  }

  set config(c: FaultConfig) {
    this.current = c;
    this.blipUntil = c.authBlipSeconds > 0 ? Date.now() + c.authBlipSeconds * 1000 : 0;
  }

  /** Held writes and the blip are forgotten too (reset). */
  clear(): void {
    this.heldWrites = [];
  }

  private matches(req: Request): boolean {
    const c = this.config;
    return (c.methods.length === 0 || c.methods.includes(req.method)) && req.path.startsWith(c.pathPrefix);
  }

  /** Rolls the dice for one kind of fault and consumes the `remaining` budget on a hit. */
  private hit(rate: number, kind: string): boolean {
    if (rate <= 0 || this.config.remaining === 0) return false;
    if (this.random() >= rate) return false;
    if (this.config.remaining !== null) this.config.remaining -= 1;
    this.store.counters.faults[kind] = (this.store.counters.faults[kind] ?? 0) + 1;
    return true;
  }

  middleware() {
    return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      if (!this.matches(req)) return next();
      const c = this.config;
      if (c.latencyMs > 0) await sleep(c.latencyMs);
      if (Date.now() < this.blipUntil) {
        // METRC answers a refused key with an empty 401 (or 403), before anything is processed.
        this.store.counters.faults.authBlip = (this.store.counters.faults.authBlip ?? 0) + 1;
        res.status(c.authBlipStatus).end();
        return;
      }
      if (this.hit(c.htmlOutageRate, 'htmlOutage')) {
        res.status(c.htmlOutageStatus).type('text/html').send(OUTAGE_PAGE);
        return;
      }
      if (this.hit(c.errorRate, 'error')) {
        res.status(500).json({ Message: 'An error has occurred.' });
        return;
      }
      if (this.hit(c.rateLimitRate, 'rateLimit')) {
        res.status(429).set('Retry-After', String(c.retryAfterSeconds)).end();
        return;
      }
      if (req.method !== 'GET' && this.hit(c.holdWriteRate, 'holdWrite')) {
        // The body was read already; the client may give up meanwhile, the write still commits.
        const held: HeldWrite = { method: req.method, path: req.path, receivedAt: Date.now(), releasedAt: null };
        this.heldWrites.push(held);
        if (this.heldWrites.length > 1000) this.heldWrites.shift();
        await sleep(c.holdWriteSeconds * 1000);
        held.releasedAt = Date.now();
      }
      if (this.hit(c.dropResponseRate, 'dropResponse')) {
        // Let the route run (and commit), then cut the connection instead of answering.
        res.end = ((): Response => {
          req.socket.destroy();
          return res;
        }) as Response['end'];
      }
      next();
    };
  }
}
