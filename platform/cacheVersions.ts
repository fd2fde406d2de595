import type { Redis } from 'ioredis';
import { luaScript } from './redis.js';

/**
 * Every cached list page and total is tagged with its resource's version; bumping the version is
 * how any writer — API service or worker activity — invalidates them (event-based invalidation).
 */
export const versionKey = (resource: string) => `trellis:ver:${resource}`;

/**
 * Every bump is also announced here (the message is the resource's name), so API processes can
 * keep the versions in memory instead of reading them on every cached read (api/services/cache.ts).
 * Per Redis database: PUBLISH reaches every database's subscribers, and deployments or test runs
 * sharing one Redis server must not churn each other's caches.
 */
export const versionChannel = (redis: Redis) => `trellis:ver@${redis.options.db ?? 0}`;

/**
 * Lua that bumps the version at `key` (e.g. "KEYS[1]"). A version Redis does not hold (never
 * bumped, or lost with a restart: Redis here keeps nothing on disk) starts from Redis's clock in
 * microseconds, not from 0: counting again from 1 after a restart would meet the numbers a page
 * cached before it was tagged with, and that page would be served as current.
 */
export const bumpVersionLua = (key: string) => `
if redis.call('EXISTS', ${key}) == 0 then
  local t = redis.call('TIME')
  redis.call('SET', ${key}, t[1] .. string.format('%06d', tonumber(t[2])))
end
local bumped = redis.call('INCR', ${key})`;

// INCR and PUBLISH in one script: a bump that counted is always announced.
const bumpAndAnnounce = luaScript<number>(`${bumpVersionLua('KEYS[1]')}
redis.call('PUBLISH', ARGV[1], ARGV[2])
return bumped`);

/** Who holds versions of this client's database in memory in this process (api/services/cache.ts). */
const localHolders = new WeakMap<Redis, (resource: string) => void>();

/** Called with each resource this client bumps, after Redis has it: this process's own writes show at once. */
export function onOwnBumps(redis: Redis, forget: (resource: string) => void): void {
  localHolders.set(redis, forget);
}

/** What to close with this client (api/services/cache.ts's subscriber connection). */
const closers = new WeakMap<Redis, Array<() => void>>();

/** Runs `close` when closeVersionHolders is called for this client (closeDeps does, when it closes it). */
export function onClientClosed(redis: Redis, close: () => void): void {
  closers.set(redis, [...(closers.get(redis) ?? []), close]);
}

/**
 * Closes what holds versions for this client. Needed besides the client's 'end' event: ioredis
 * never emits 'end' for a client disconnected while it waits to reconnect (Redis down at
 * shutdown), and the subscriber would then retry for ever and keep the process alive.
 */
export function closeVersionHolders(redis: Redis): void {
  const list = closers.get(redis) ?? [];
  closers.delete(redis);
  for (const close of list) close();
}

export async function bumpVersion(redis: Redis, ...resources: string[]): Promise<void> {
  const channel = versionChannel(redis);
  await Promise.all(resources.map((r) => bumpAndAnnounce(redis, 1, versionKey(r), channel, r).catch(() => undefined)));
  const forget = localHolders.get(redis);
  // Also when Redis failed: the versions held here are then not to be trusted either.
  if (forget) for (const r of resources) forget(r);
}
