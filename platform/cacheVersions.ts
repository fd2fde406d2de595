import type { Redis } from 'ioredis';

/**
 * Every cached list page and total is tagged with its resource's version; bumping the version is
 * how any writer — API service or worker activity — invalidates them (event-based invalidation).
 */
export const versionKey = (resource: string) => `trellis:ver:${resource}`;

export async function bumpVersion(redis: Redis, ...resources: string[]): Promise<void> {
  await Promise.all(resources.map((r) => redis.incr(versionKey(r)).catch(() => undefined)));
}
