import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { config } from './config.js';

/**
 * A Redis client that fails fast instead of queueing commands forever while Redis is down:
 * callers (readiness checks, caches) need an error quickly, not a hung request.
 */
export function createRedis(url: string = config().redisUrl, name = 'trellis'): Redis {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    // Commands issued in the same event-loop tick (concurrent requests' rate-limit counts and cache
    // reads) leave in one write: on a busy machine each socket write costs a context switch, and
    // a read under load paid more for those than for anything it computes (issue 22 profile).
    enableAutoPipelining: true,
  });
}

/** PING that first waits for an in-progress (re)connect instead of failing on the offline queue. */
export async function pingRedis(redis: Redis): Promise<string> {
  if (redis.status === 'connecting' || redis.status === 'connect' || redis.status === 'reconnecting' || redis.status === 'wait') {
    if (redis.status === 'wait') void redis.connect().catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      const onReady = () => (cleanup(), resolve());
      const onEnd = () => (cleanup(), reject(new Error('redis connection closed')));
      const onError = (err: Error) => (cleanup(), reject(err));
      const cleanup = () => {
        redis.off('ready', onReady);
        redis.off('end', onEnd);
        redis.off('error', onError);
      };
      redis.once('ready', onReady);
      redis.once('end', onEnd);
      redis.once('error', onError);
    });
  }
  return redis.ping();
}

/**
 * A Lua script run as EVALSHA, and EVAL (which also caches it) when Redis does not know it yet.
 * Not defineCommand: with auto-pipelining on, a command defined while a pipeline is pending is
 * missing from that pipeline, and ioredis then throws an uncaught TypeError ("results[i] is not
 * iterable", ioredis#1931) that takes the process down and leaves the pipeline's other commands
 * unanswered for ever.
 */
export function luaScript<T>(lua: string) {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (redis: Redis, numKeys: number, ...args: Array<string | number>): Promise<T> => {
    try {
      return (await redis.evalsha(sha, numKeys, ...args)) as T;
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return (await redis.eval(lua, numKeys, ...args)) as T;
    }
  };
}
