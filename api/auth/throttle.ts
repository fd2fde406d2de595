/**
 * Guessing protection for sign-in and second factors, in Redis so every API replica shares it.
 * Failures are counted per subject (account, client IP, MFA user) in a sliding window; reaching
 * the limit locks the subject, and each further lockout within a day doubles the lock.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../../domain/errors.js';
import { sha256 } from '../../platform/crypto.js';
import { pingRedis } from '../../platform/redis.js';

const WINDOW_SECONDS = 15 * 60;
const LOCK_MEMORY_SECONDS = 24 * 60 * 60;
const MAX_LOCK_SECONDS = 24 * 60 * 60;

export interface Subject {
  /** Stable key material; hashed before it reaches Redis (emails are personal data). */
  id: string;
  maxFailures: number;
}

const k = (kind: string, s: Subject) => `trellis:auth:${kind}:${sha256(s.id)}`;

export function lockSeconds(baseSeconds: number, lockouts: number): number {
  return Math.min(MAX_LOCK_SECONDS, baseSeconds * 2 ** Math.max(0, lockouts - 1));
}

const lockedError = (retryAfter: number) =>
  new AppError('RATE_LIMITED', 'Too many attempts; try again later', { retry_after_seconds: retryAfter });

export function createThrottle(redis: Redis, baseLockSeconds: number) {
  async function unavailable<T>(fn: () => Promise<T>): Promise<T> {
    try {
      // Commands fail fast while the client (re)connects; wait for it rather than refuse a login.
      if (redis.status !== 'ready') await pingRedis(redis);
      return await fn();
    } catch (err) {
      if (err instanceof AppError) throw err;
      // Fail closed: without the counters we cannot tell a user from a guessing script.
      throw new AppError('SERVICE_UNAVAILABLE', 'Sign-in is temporarily unavailable');
    }
  }

  return {
    /** Throws 429 when any subject is locked. */
    assertOpen(subjects: Subject[]): Promise<void> {
      return unavailable(async () => {
        const ttls = await Promise.all(subjects.map((s) => redis.pttl(k('lock', s))));
        const longest = Math.max(-2, ...ttls);
        if (longest > 0) throw lockedError(Math.ceil(longest / 1000));
      });
    },

    /** Records a failure for each subject; returns the retry-after seconds if this locked one. */
    recordFailure(subjects: Subject[]): Promise<number | undefined> {
      return unavailable(async () => {
        let locked: number | undefined;
        for (const s of subjects) {
          const countKey = k('fail', s);
          const [[, count]] = (await redis.multi().incr(countKey).expire(countKey, WINDOW_SECONDS).exec()) as [[unknown, number]];
          if (count >= s.maxFailures) {
            const lockoutsKey = k('lockouts', s);
            const [[, lockouts]] = (await redis.multi().incr(lockoutsKey).expire(lockoutsKey, LOCK_MEMORY_SECONDS).exec()) as [[unknown, number]];
            const seconds = lockSeconds(baseLockSeconds, lockouts);
            await redis.multi().set(k('lock', s), '1', 'EX', seconds).del(countKey).exec();
            locked = Math.max(locked ?? 0, seconds);
          }
        }
        return locked;
      });
    },

    /** A success clears the failure count (the lockout history keeps growing locks for a day). */
    async recordSuccess(subjects: Subject[]): Promise<void> {
      await redis.del(...subjects.map((s) => k('fail', s))).catch(() => undefined);
    },

    lockedError,
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
