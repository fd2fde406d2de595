import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { versionKey } from '../../platform/cacheVersions.js';

/**
 * Application cache (ARCHITECTURE "Cross-cutting → Cache"): get-or-compute over Redis of an
 * already serialized answer. Entries are tagged with the resource's version (`trellis:ver:<resource>`,
 * kept by counts.ts and bumped by every write), so a write makes every cached page of that
 * resource stale at once; the TTL only bounds how long an unread entry occupies memory and how
 * long a write that forgot to bump could be hidden. Version and entry come back in one MGET.
 */
export const CACHE_TTL_S = 30;
const VERSION_PREFIX = versionKey('');

/**
 * A stable text for a value, symbol keys included (Sequelize's Op.or/Op.and are symbols, which
 * JSON.stringify silently drops — two different tenant scopes must never serialize alike).
 */
export function stableKey(value: unknown): string {
  if (value === undefined) return 'u';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return `d${value.toISOString()}`;
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  const entries: Array<[string, unknown]> = [];
  for (const k of Object.keys(value)) entries.push([JSON.stringify(k), (value as Record<string, unknown>)[k]]);
  for (const s of Object.getOwnPropertySymbols(value)) entries.push([`@${s.description ?? '?'}`, (value as Record<symbol, unknown>)[s]]);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}:${stableKey(v)}`).join(',')}}`;
}

export async function getOrCompute(
  redis: Redis,
  resource: string,
  key: string,
  compute: () => Promise<string>,
  ttlS = CACHE_TTL_S,
): Promise<string> {
  return getOrComputeAcross(redis, resource, [resource], key, compute, ttlS);
}

/**
 * The same for an answer built from several resources (the catalogue joins products, variants,
 * stock, sellers and their premises): the entry is tagged with every one's version, so a write to
 * any of them makes it stale.
 */
export async function getOrComputeAcross(
  redis: Redis,
  name: string,
  resources: readonly string[],
  key: string,
  compute: () => Promise<string>,
  ttlS = CACHE_TTL_S,
): Promise<string> {
  const entryKey = `trellis:cache:${name}:${createHash('sha1').update(key).digest('hex')}`;
  const versionKeys = resources.map((r) => `${VERSION_PREFIX}${r}`);
  let version: string | undefined;
  try {
    const near = local.get(entryKey);
    // A page this process already holds: only the versions cross the wire (a few bytes instead of
    // the page), and the page is served only if its versions are still the current ones.
    const values = await redis.mget(...versionKeys, ...(near ? [] : [entryKey]));
    const hit = near ? undefined : values.pop();
    version = values.map((v) => v ?? '0').join('.');
    if (near?.version === version) return near.body;
    if (hit) {
      const sep = hit.indexOf('\n');
      if (sep > 0 && hit.slice(0, sep) === version) {
        const body = hit.slice(sep + 1);
        local.set(entryKey, version, body, ttlS * 1000);
        return body;
      }
    }
  } catch {
    // Redis trouble must not break reads: compute directly (a page held here is not trusted
    // without its versions).
  }
  const body = await compute();
  // Tagged with the version read BEFORE computing: a write racing the computation leaves an
  // entry that is already stale, never one that hides the write.
  if (version !== undefined) {
    local.set(entryKey, version, body, ttlS * 1000);
    void redis.set(entryKey, `${version}\n${body}`, 'EX', ttlS).catch(() => undefined);
  }
  return body;
}

/**
 * The pages this process read or computed last, with the versions they were tagged with: a hit
 * still costs the versions' round trip (the same freshness as the Redis entry), not the page's
 * transfer and decoding. Bounded by bytes; an entry whose versions moved is replaced on the next read.
 */
class NearPages {
  private readonly pages = new Map<string, { version: string; body: string; until: number }>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly ttlMs: number,
  ) {}

  get(key: string): { version: string; body: string } | undefined {
    const e = this.pages.get(key);
    if (e && Date.now() < e.until) return e;
    if (e) this.drop(key);
    return undefined;
  }

  set(key: string, version: string, body: string, ttlMs: number): void {
    this.drop(key);
    if (body.length > this.maxBytes / 8) return;
    while (this.bytes + body.length > this.maxBytes) {
      const oldest = this.pages.keys().next().value as string;
      this.drop(oldest);
    }
    this.pages.set(key, { version, body, until: Date.now() + Math.min(ttlMs, this.ttlMs) });
    this.bytes += body.length;
  }

  private drop(key: string): void {
    const e = this.pages.get(key);
    if (!e) return;
    this.bytes -= e.body.length;
    this.pages.delete(key);
  }
}

const local = new NearPages(16 * 1024 * 1024, CACHE_TTL_S * 1000);

/** Bumps every resource version there is (admin purge): every cached page and count goes stale. */
export async function purgeAll(redis: Redis, known: readonly string[] = []): Promise<string[]> {
  const names = new Set(known);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${VERSION_PREFIX}*`, 'COUNT', 500);
    for (const k of keys) names.add(k.slice(VERSION_PREFIX.length));
    cursor = next;
  } while (cursor !== '0');
  const resources = [...names].sort();
  if (resources.length) {
    const pipe = redis.pipeline();
    for (const r of resources) pipe.incr(`${VERSION_PREFIX}${r}`);
    await pipe.exec();
  }
  return resources;
}
