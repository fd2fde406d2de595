/**
 * Token buckets in Redis, shared by every worker process: one per facility (license) and one
 * per vendor key. Each METRC request takes a token from both before it leaves, so the fleet as
 * a whole stays under METRC's limits instead of finding them through 429s.
 *
 * Within one process, requests for the same license queue locally and only the head of the queue
 * asks Redis: when every waiting request asked again each 1000/rate ms, a worker with many
 * submissions in flight made ~65 Redis round trips per METRC request (bench:metrc), and the CPU
 * that cost is what the workers lacked on a loaded machine. Now a request costs about one round
 * trip plus one per other license contending for the vendor bucket. Licenses still wait apart,
 * so a backlog for one never holds up another beyond their shared vendor bucket.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { luaScript } from '../platform/redis.js';

// Both buckets are checked and only then both are charged, so a request waiting on one bucket
// never burns a token of the other. Capacity equals one second of rate (METRC's own buckets).
const TAKE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
local levels = {}
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[i])
  local v = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens = tonumber(v[1]) or rate
  local ts = tonumber(v[2]) or now
  tokens = math.min(rate, tokens + math.max(0, now - ts) * rate / 1000)
  levels[i] = tokens
  if tokens < 1 then
    local need = math.ceil((1 - tokens) * 1000 / rate)
    if need > wait then wait = need end
  end
end
for i, key in ipairs(KEYS) do
  local tokens = levels[i]
  if wait == 0 then tokens = tokens - 1 end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', key, 60000)
end
return wait
`;
// By hash (EVALSHA): the script's source is not sent, nor traced, on every METRC call.
const take = luaScript<number>(TAKE_LUA);

export interface RateLimits {
  perFacilityPerSecond: number;
  perVendorKeyPerSecond: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error('Redis is not reachable for METRC rate limiting'));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

export class MetrcRateLimiter {
  private readonly vendorBucket: string;
  /** Per license ('' for license-less calls): resolves when the last queued request has its token. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    vendorKey: string,
    private readonly limits: RateLimits,
    /** Namespaces the buckets (tests and benchmarks use their own). */
    private readonly prefix = 'metrc:rl',
  ) {
    // The key itself never reaches Redis: only a short digest names its bucket.
    this.vendorBucket = `${prefix}:vendor:${createHash('sha256').update(vendorKey).digest('hex').slice(0, 16)}`;
  }

  /** Waits until one request for `licenseNumber` (or a license-less call) may leave; returns the ms waited for Redis. */
  async acquire(licenseNumber?: string): Promise<number> {
    const id = licenseNumber ?? '';
    const ahead = this.queues.get(id) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.queues.set(id, mine);
    try {
      await ahead;
      return await this.take(licenseNumber);
    } finally {
      done();
      if (this.queues.get(id) === mine) this.queues.delete(id);
    }
  }

  /** Asks Redis for a token of every bucket of the request until both have one. */
  private async take(licenseNumber?: string): Promise<number> {
    const keys = [this.vendorBucket];
    const rates = [this.limits.perVendorKeyPerSecond];
    if (licenseNumber) {
      keys.push(`${this.prefix}:facility:${licenseNumber}`);
      rates.push(this.limits.perFacilityPerSecond);
    }
    let waited = 0;
    // The shared client has no offline queue: wait for the connection instead of failing.
    if (this.redis.status !== 'ready') await waitReady(this.redis);
    for (;;) {
      const wait = Number(await take(this.redis, keys.length, ...keys, ...rates.map(String)));
      if (wait <= 0) return waited;
      // A little jitter keeps many waiting workers from all retrying on the same millisecond.
      const ms = wait + Math.floor(Math.random() * 5);
      waited += ms;
      await sleep(ms);
    }
  }
}
