/**
 * Guessing protection for sign-in and second factors, in Redis so every API replica shares it.
 *
 * An attempt is *reserved* before the secret is checked, in one Lua script across all its
 * subjects (account, client address, MFA user): either every subject has room and every counter
 * moves, or none moves and the caller gets 429 without a check. Counting failures only after the
 * (slow, argon2) check let parallel guesses all pass the "is it locked?" test first: 20 parallel
 * wrong passwords got 15 checks against a limit of 5. Now at most `maxFailures` checks per window
 * can be in flight or done, however many arrive together.
 *
 * A refused attempt moves no counter, so an account locked by a flood does not spend the client
 * address's budget and lock the other accounts behind the same address (an office NAT, or a
 * proxy that TRUST_PROXY does not yet name). Reaching the limit with a failure locks the subject;
 * each further lockout within a day doubles the lock.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../../domain/errors.js';
import { sha256 } from '../../platform/crypto.js';
import { luaScript, pingRedis } from '../../platform/redis.js';

const WINDOW_SECONDS = 15 * 60;
const LOCK_MEMORY_SECONDS = 24 * 60 * 60;
const MAX_LOCK_SECONDS = 24 * 60 * 60;

export interface Subject {
  /** Stable key material; hashed before it reaches Redis (emails and addresses are personal data). */
  id: string;
  maxFailures: number;
}

const keysOf = (s: Subject) => {
  const h = sha256(s.id);
  return { count: `trellis:auth:fail:${h}`, lock: `trellis:auth:lock:${h}`, lockouts: `trellis:auth:lockouts:${h}` };
};

export function lockSeconds(baseSeconds: number, lockouts: number): number {
  return Math.min(MAX_LOCK_SECONDS, baseSeconds * 2 ** Math.max(0, lockouts - 1));
}

/**
 * KEYS: count₁, lock₁, count₂, lock₂, …  ARGV: window seconds, seconds to report when a subject
 * is out of attempts but not (yet) locked, max₁, max₂, …
 * Returns 0 when reserved, else the milliseconds to wait.
 */
const RESERVE = `
local n = #KEYS / 2
local wait = 0
for i = 1, n do
  local ttl = redis.call('PTTL', KEYS[2 * i])
  if ttl > wait then wait = ttl end
end
if wait > 0 then return wait end
for i = 1, n do
  if tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0') >= tonumber(ARGV[2 + i]) then
    return tonumber(ARGV[2]) * 1000
  end
end
for i = 1, n do
  redis.call('INCR', KEYS[2 * i - 1])
  redis.call('EXPIRE', KEYS[2 * i - 1], ARGV[1])
end
return 0`;

/**
 * After a failed check. KEYS: count, lock, lockouts per subject. ARGV: base lock seconds, max
 * lock seconds, lockout memory seconds, max₁, max₂, … A subject whose reservations reached its
 * limit is locked (doubling per lockout within the memory) and its count starts again.
 * Returns { seconds of the longest lock this call set (0 = none), seconds of the longest lock now
 * on any subject }: parallel failures that find the lock already set report it without setting it.
 */
const FAIL = `
local n = #KEYS / 3
local created, longest = 0, 0
for i = 1, n do
  local count, lock, lockouts = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  if redis.call('EXISTS', lock) == 0 and tonumber(redis.call('GET', count) or '0') >= tonumber(ARGV[3 + i]) then
    local times = redis.call('INCR', lockouts)
    redis.call('EXPIRE', lockouts, ARGV[3])
    local secs = math.floor(math.min(tonumber(ARGV[2]), tonumber(ARGV[1]) * 2 ^ (times - 1)))
    redis.call('SET', lock, '1', 'EX', secs)
    redis.call('DEL', count)
    if secs > created then created = secs end
  end
  local ttl = redis.call('TTL', lock)
  if ttl > longest then longest = ttl end
end
return { created, longest }`;

/**
 * Gives reservations back. KEYS: count per subject. ARGV: one flag per subject, '1' = clear the
 * count (the account after a success), '0' = return one attempt (a client address after a
 * success, or any subject when the check itself broke).
 */
const RELEASE = `
for i = 1, #KEYS do
  if ARGV[i] == '1' then
    redis.call('DEL', KEYS[i])
  elseif tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then
    redis.call('DECR', KEYS[i])
  end
end
return 0`;

// Run as EVALSHA/EVAL (platform/redis.ts luaScript), never defineCommand: see there.
const reserveScript = luaScript<number>(RESERVE);
const failScript = luaScript<[number, number]>(FAIL);
const releaseScript = luaScript<number>(RELEASE);

const lockedError = (retryAfter: number) =>
  new AppError('RATE_LIMITED', 'Too many attempts; try again later', { retry_after_seconds: Math.max(1, retryAfter) });

export function createThrottle(redis: Redis, baseLockSeconds: number) {

  async function available<T>(fn: () => Promise<T>): Promise<T> {
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

  /**
   * After a success the subjects in `clear` start afresh (the account; its lockout history keeps
   * growing locks for a day) and the others get their attempt back (a client address signing in
   * many people must not run out on successes).
   */
  async function release(subjects: Subject[], clear: Subject[] = subjects): Promise<void> {
    const keys = subjects.map((s) => keysOf(s).count);
    await releaseScript(redis, keys.length, ...keys, ...subjects.map((s) => (clear.includes(s) ? '1' : '0'))).catch(() => undefined);
  }

  return {
    /** Reserves one attempt on every subject, or throws 429 having moved no counter. */
    reserve(subjects: Subject[]): Promise<void> {
      return available(async () => {
        const keys = subjects.flatMap((s) => [keysOf(s).count, keysOf(s).lock]);
        const waitMs = await reserveScript(redis, keys.length, ...keys, WINDOW_SECONDS, baseLockSeconds, ...subjects.map((s) => s.maxFailures));
        if (waitMs > 0) throw lockedError(Math.ceil(waitMs / 1000));
      });
    },

    /**
     * The reserved attempt failed. `retryAfter` when a subject is locked now; `lockedNow` when this
     * failure set the lock (one lockout, one audit row, however many failures ran in parallel).
     */
    failed(subjects: Subject[]): Promise<{ retryAfter?: number; lockedNow: boolean }> {
      return available(async () => {
        const keys = subjects.flatMap((s) => Object.values(keysOf(s)));
        const [created, longest] = await failScript(
          redis,
          keys.length,
          ...keys,
          baseLockSeconds,
          MAX_LOCK_SECONDS,
          LOCK_MEMORY_SECONDS,
          ...subjects.map((s) => s.maxFailures),
        );
        return { ...(longest > 0 ? { retryAfter: longest } : {}), lockedNow: created > 0 };
      });
    },

    succeeded: release,

    /** The check itself broke (database down): give the attempt back without judging it. */
    released: (subjects: Subject[]) => release(subjects, []),

    lockedError,
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
