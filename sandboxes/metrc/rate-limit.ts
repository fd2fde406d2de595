/**
 * METRC's published GET limits (50/s per facility, 150/s per vendor key) as token buckets, so
 * clients meet 429 + Retry-After locally before they meet it in production.
 */

export interface RateLimitConfig {
  perVendorKeyPerSecond: number;
  perFacilityPerSecond: number;
  /** Methods that draw tokens; METRC documents limits for GET only. */
  methods: string[];
}

export const METRC_RATE_LIMITS: RateLimitConfig = {
  perVendorKeyPerSecond: 150,
  perFacilityPerSecond: 50,
  methods: ['GET'],
};

class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = perSecond;
    this.updated = now;
  }

  /** Milliseconds until a token is available (0 when one is available now). */
  waitMs(now: number): number {
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.updated) / 1000) * this.perSecond);
    this.updated = now;
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }

  take(): void {
    this.tokens -= 1;
  }
}

export class RateLimiter {
  private buckets = new Map<string, TokenBucket>();

  constructor(
    public config: RateLimitConfig,
    private readonly clock: () => number = Date.now,
  ) {}

  reset(config?: RateLimitConfig): void {
    if (config) this.config = config;
    this.buckets.clear();
  }

  /**
   * Takes a token from the vendor-key bucket and, when the call names a facility, from that
   * facility's bucket. Returns 0 when allowed, else the seconds to put in Retry-After; a
   * refused call takes no token from either bucket.
   */
  check(method: string, vendorKey: string, license: string | undefined): number {
    if (!this.config.methods.includes(method)) return 0;
    const now = this.clock();
    const buckets = [this.bucket(`vendor:${vendorKey}`, this.config.perVendorKeyPerSecond, now)];
    if (license) buckets.push(this.bucket(`facility:${license}`, this.config.perFacilityPerSecond, now));
    const wait = Math.max(...buckets.map((b) => b.waitMs(now)));
    if (wait > 0) return Math.max(1, Math.ceil(wait / 1000));
    for (const b of buckets) b.take();
    return 0;
  }

  private bucket(key: string, perSecond: number, now: number): TokenBucket {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = new TokenBucket(perSecond, now)));
    return b;
  }
}

export function parseRateLimits(value: unknown): RateLimitConfig {
  if (typeof value !== 'object' || value === null) throw new Error('rate limits must be an object');
  const v = value as Partial<RateLimitConfig>;
  const out = { ...METRC_RATE_LIMITS, ...v };
  for (const k of ['perVendorKeyPerSecond', 'perFacilityPerSecond'] as const) {
    if (typeof out[k] !== 'number' || !(out[k] > 0)) throw new Error(`${k} must be a positive number`);
  }
  if (!Array.isArray(out.methods) || !out.methods.every((m) => typeof m === 'string')) {
    throw new Error('methods must be an array of HTTP methods');
  }
  out.methods = out.methods.map((m) => m.toUpperCase());
  return out;
}
