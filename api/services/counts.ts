import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * List totals are cached per (resource, filter) under a version number that every write to the
 * resource bumps, so `total` costs one COUNT per distinct filter per change instead of one per
 * request, and never outlives the data it counts (event-based invalidation plus a TTL).
 */
const TTL_S = 60;

export async function bumpVersion(redis: Redis, resource: string): Promise<void> {
  await redis.incr(`trellis:ver:${resource}`).catch(() => undefined);
}

export async function cachedCount(
  redis: Redis,
  resource: string,
  filterKey: string,
  count: () => Promise<number>,
): Promise<number> {
  let key: string | undefined;
  try {
    const version = (await redis.get(`trellis:ver:${resource}`)) ?? '0';
    key = `trellis:count:${resource}:${version}:${createHash('sha1').update(filterKey).digest('hex')}`;
    const hit = await redis.get(key);
    if (hit !== null) return Number(hit);
  } catch {
    // Redis trouble must not break lists: fall through to counting directly.
  }
  const n = await count();
  if (key) await redis.set(key, String(n), 'EX', TTL_S).catch(() => undefined);
  return n;
}
