import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { AppError } from '../../domain/errors.js';
import { logger } from '../../platform/logger.js';
import { pingRedis } from '../../platform/redis.js';

/**
 * Fixed one-minute windows per API key, shared by all replicas through Redis. Answers carry the
 * IETF RateLimit-* headers; over the limit is a 429 envelope with Retry-After.
 */
export async function enforceKeyRateLimit(redis: Redis, res: Response, keyId: string, limit: number): Promise<void> {
  const now = Date.now();
  const window = Math.floor(now / 60_000);
  const resetSeconds = Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000));
  const key = `trellis:ratelimit:apikey:${keyId}:${window}`;
  let count: number;
  try {
    if (redis.status !== 'ready') await pingRedis(redis);
    const result = await redis.multi().incr(key).expire(key, 120).exec();
    count = Number(result?.[0]?.[1] ?? 0);
  } catch (err) {
    // Availability over strictness here: a Redis outage must not take every partner down.
    logger().warn({ err: String(err) }, 'rate limit check skipped: redis unavailable');
    return;
  }
  res.setHeader('RateLimit-Limit', String(limit));
  res.setHeader('RateLimit-Remaining', String(Math.max(0, limit - count)));
  res.setHeader('RateLimit-Reset', String(resetSeconds));
  if (count > limit) {
    res.setHeader('Retry-After', String(resetSeconds));
    throw new AppError('RATE_LIMITED', 'Rate limit exceeded for this API key', { limit, retry_after_seconds: resetSeconds });
  }
}
