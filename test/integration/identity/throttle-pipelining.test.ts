/**
 * The sign-in throttle on a client with ioredis auto-pipelining (as platform/redis.ts builds it):
 * creating a throttle while another command's pipeline is still pending used to define its Lua
 * commands too late for that pipeline, and ioredis threw an uncaught "results[i] is not iterable"
 * that would take the API down, leaving the pipeline's other commands unanswered.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createThrottle } from '../../../api/services/throttle.js';
import { createRedis, pingRedis } from '../../../platform/redis.js';

const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'throttle-pipelining-test');
afterAll(() => redis.quit());

describe('sign-in throttle with auto-pipelining', () => {
  it('created while a pipeline is pending: every command answers and nothing is thrown uncaught', async () => {
    await pingRedis(redis);
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const key = `trellis:test:${randomUUID()}`;
      // All in one tick: the GET sits in a pending auto-pipeline when the throttle is made and used.
      const before = redis.get(key);
      const throttle = createThrottle(redis, 60);
      const subject = { id: `pipelining-${randomUUID()}`, maxFailures: 3 };
      const reserved = throttle.reserve([subject]);
      const failed = throttle.failed([subject]);
      const after = redis.get(key);
      const settled = await Promise.race([
        Promise.allSettled([before, reserved, failed, after]),
        new Promise<'hung'>((r) => setTimeout(() => r('hung'), 5000)),
      ]);
      expect(settled).not.toBe('hung');
      expect((settled as PromiseSettledResult<unknown>[]).map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect((await failed).lockedNow).toBe(false);
      await new Promise((r) => setTimeout(r, 100));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
