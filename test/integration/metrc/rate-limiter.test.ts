/**
 * The METRC rate limiter against a real Redis: requests of one license queue in the process and
 * only the head asks Redis, so a burst costs about one round trip per request (at most two: one
 * that finds the bucket empty, one after waiting) instead of every waiter asking again and again.
 * Tokens come in the order they were asked for; another license does not wait behind a backlog.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetrcRateLimiter } from '../../../activities/metrcRateLimit.js';
import { loadConfig } from '../../../platform/config.js';
import { createRedis } from '../../../platform/redis.js';

describe('METRC rate limiter', () => {
  let redis: Redis;
  const prefix = `test:rl:${randomUUID()}`;

  beforeAll(async () => {
    redis = createRedis(loadConfig().redisUrl, 'trellis-test');
    if (redis.status !== 'ready') await new Promise((r) => redis.once('ready', r));
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('a burst for one license: tokens in order, about one Redis round trip per request', async () => {
    let evals = 0;
    const counted = new Proxy(redis, {
      get: (target, k, receiver) =>
        // The script runs by hash (EVALSHA), by source only when Redis has not seen it (EVAL).
        k === 'evalsha' || k === 'eval'
          ? (...a: unknown[]) => ((evals += 1), Reflect.apply(target[k] as (...b: unknown[]) => unknown, target, a))
          : Reflect.get(target, k, receiver),
    });
    // Capacity is one second of rate: 10 leave at once, the other 30 wait for refills.
    const limiter = new MetrcRateLimiter(counted, 'vendor-key', { perVendorKeyPerSecond: 10, perFacilityPerSecond: 50 }, prefix);
    const order: number[] = [];
    await Promise.all(Array.from({ length: 40 }, (_, i) => limiter.acquire('LIC-1').then(() => order.push(i))));
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // Polling by every waiter took several hundred here; queueing leaves at most two per request.
    expect(evals).toBeGreaterThanOrEqual(40);
    expect(evals).toBeLessThanOrEqual(80);
  }, 30_000);

  it('licenses queue apart: a backlog for one does not hold a request for another', async () => {
    const limiter = new MetrcRateLimiter(redis, 'vendor-key-2', { perVendorKeyPerSecond: 100, perFacilityPerSecond: 2 }, prefix);
    // LIC-A's bucket (2/s) is emptied and 6 more requests queue behind it (~3 s).
    const backlog = Promise.all(Array.from({ length: 8 }, () => limiter.acquire('LIC-A')));
    let otherDone = false;
    let backlogDone = false;
    void backlog.then(() => (backlogDone = true));
    await limiter.acquire('LIC-B').then(() => (otherDone = true));
    expect(otherDone).toBe(true);
    expect(backlogDone).toBe(false);
    await backlog;
  }, 30_000);
});
