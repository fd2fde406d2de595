import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * List totals are cached per (resource, filter) and tagged with the resource's version number,
 * which every write bumps, so `total` costs one COUNT per distinct filter per change instead of
 * one per request, and never outlives the data it counts (event-based invalidation plus a TTL).
 * The version and the cached total are read in one round trip (MGET); a total tagged with an
 * older version is simply recounted.
 */
const TTL_S = 60;

import { versionKey } from '../../platform/cacheVersions.js';
export { bumpVersion } from '../../platform/cacheVersions.js';

export async function cachedCount(
  redis: Redis,
  resource: string,
  filterKey: string,
  count: () => Promise<number>,
): Promise<number> {
  const key = `trellis:count:${resource}:${createHash('sha1').update(filterKey).digest('hex')}`;
  let version: string | undefined;
  try {
    const [current, hit] = await redis.mget(versionKey(resource), key);
    version = current ?? '0';
    if (hit) {
      const sep = hit.indexOf(':');
      if (hit.slice(0, sep) === version) return Number(hit.slice(sep + 1));
    }
  } catch {
    // Redis trouble must not break lists: fall through to counting directly.
  }
  const n = await count();
  // Tagged with the version read before counting: a write racing this count makes it stale at once.
  if (version !== undefined) void redis.set(key, `${version}:${n}`, 'EX', TTL_S).catch(() => undefined);
  return n;
}
