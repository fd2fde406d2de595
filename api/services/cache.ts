import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { bumpVersion, onClientClosed, onOwnBumps, versionChannel, versionKey } from '../../platform/cacheVersions.js';

/**
 * Application cache (ARCHITECTURE "Cross-cutting → Cache"): get-or-compute over Redis of an
 * already serialized answer. Entries are tagged with the resource's version (`trellis:ver:<resource>`,
 * kept by counts.ts and bumped by every write), so a write makes every cached page of that
 * resource stale at once; the TTL only bounds how long an unread entry occupies memory and how
 * long a write that forgot to bump could be hidden. Version and entry come back in one MGET.
 *
 * Versions are also held in memory (VersionWatch below) so that a page this process already has
 * is served without any Redis round trip. Freshness bound: a write through bumpVersion shows on
 * the next read of the process that made it, and on every other process as soon as its
 * announcement arrives on the subscriber connection (normally before a read that started after
 * the write finished); a version held here is trusted for at most VERSION_TRUST_MS after it was
 * read from Redis, so a lost announcement, or a writer that INCRs without announcing, is hidden
 * for at most that long. While the subscriber is not subscribed, every read asks Redis as before.
 */
export const CACHE_TTL_S = 30;
const VERSION_PREFIX = versionKey('');
/** How long a version read from Redis is trusted without hearing of a bump (see above). */
export const VERSION_TRUST_MS = 1000;

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
  return (await cachedPage(redis, name, resources, key, compute, ttlS)).body;
}

/**
 * getOrComputeAcross's page with its UTF-8 bytes and weak ETag (Express's own format), made once
 * per cached page: a hit sends them as they are, instead of encoding and hashing 18 KB per request.
 */
export async function cachedPage(
  redis: Redis,
  name: string,
  resources: readonly string[],
  key: string,
  compute: () => Promise<string>,
  ttlS = CACHE_TTL_S,
): Promise<Page> {
  const entryKey = `trellis:cache:${name}:${createHash('sha1').update(key).digest('hex')}`;
  const watch = watchOf(redis);
  const near = local.get(entryKey);
  // Versions held in memory and a page tagged with them: no round trip at all.
  const known = watch.current(resources);
  if (near && known !== undefined && near.version === known) return near;
  const versionKeys = resources.map((r) => `${VERSION_PREFIX}${r}`);
  let version: string | undefined;
  try {
    // A page this process already holds: only the versions cross the wire (a few bytes instead of
    // the page), and the page is served only if its versions are still the current ones.
    const ticket = watch.ticket(resources);
    const values = await redis.mget(...versionKeys, ...(near ? [] : [entryKey]));
    const hit = near ? undefined : values.pop();
    watch.learn(ticket, values);
    version = values.map((v) => v ?? '0').join('.');
    if (near?.version === version) return near;
    if (hit) {
      const sep = hit.indexOf('\n');
      if (sep > 0 && hit.slice(0, sep) === version) {
        return local.set(entryKey, version, hit.slice(sep + 1), ttlS * 1000);
      }
    }
  } catch {
    // Redis trouble must not break reads: compute directly (a page held here is not trusted
    // without its versions).
  }
  const body = await compute();
  // Tagged with the version read BEFORE computing: a write racing the computation leaves an
  // entry that is already stale, never one that hides the write.
  if (version === undefined) return encode('', body);
  void redis.set(entryKey, `${version}\n${body}`, 'EX', ttlS).catch(() => undefined);
  return local.set(entryKey, version, body, ttlS * 1000);
}

export interface Page {
  /** The versions the page was tagged with. */
  version: string;
  body: string;
  bytes: Buffer;
  /** Weak ETag as Express makes it (etag package: byte length in hex, sha1 base64), so clients' validators stay valid. */
  etag: string;
}

function encode(version: string, body: string): Page {
  const bytes = Buffer.from(body, 'utf8');
  const etag = `W/"${bytes.length.toString(16)}-${createHash('sha1').update(bytes).digest('base64').substring(0, 27)}"`;
  return { version, body, bytes, etag };
}

/**
 * The resource versions of one Redis database, held in memory between reads: forgotten when a
 * bump is announced on versionChannel (or made by this process through the same client), when
 * the subscriber connection drops, and VERSION_TRUST_MS after they were read. A version is only
 * learnt from a read that started while subscribed and during which no bump of that resource
 * was heard, so an announcement overtaking the read's reply cannot be overwritten by the older value.
 */
export class VersionWatch {
  private readonly known = new Map<string, { value: string; until: number }>();
  /** Bumps heard per resource, and connection losses: a read that saw either learns nothing. */
  private readonly heard = new Map<string, number>();
  private epoch = 0;
  private subscribed = false;
  private readonly sub: Redis;

  constructor(redis: Redis, private readonly trustMs = VERSION_TRUST_MS) {
    const channel = versionChannel(redis);
    this.sub = redis.duplicate({ connectionName: 'trellis-cache-versions', enableOfflineQueue: true, maxRetriesPerRequest: null, enableAutoPipelining: false });
    this.sub.on('message', (ch: string, resource: string) => {
      if (ch === channel) this.forget(resource);
    });
    const down = () => {
      this.subscribed = false;
      this.epoch++;
      this.known.clear();
    };
    for (const event of ['close', 'reconnecting', 'end']) this.sub.on(event, down);
    this.sub.on('error', () => undefined);
    this.sub.on('ready', () => {
      const epoch = this.epoch;
      this.sub.subscribe(channel).then(
        () => {
          if (epoch === this.epoch) this.subscribed = true;
        },
        () => undefined,
      );
    });
    onOwnBumps(redis, (r) => this.forget(r));
    // The subscriber lives as long as the client it watches for ('end' does not come when the
    // client is closed while Redis is down: closeDeps tells us then, through cacheVersions).
    redis.once('end', () => this.close());
    onClientClosed(redis, () => this.close());
  }

  close(): void {
    this.sub.disconnect();
  }

  forget(resource: string): void {
    this.heard.set(resource, (this.heard.get(resource) ?? 0) + 1);
    this.known.delete(resource);
  }

  /** The versions joined as cache entries are tagged, when every one is held and still trusted. */
  current(resources: readonly string[]): string | undefined {
    if (!this.subscribed) return undefined;
    const now = Date.now();
    let out = '';
    for (let i = 0; i < resources.length; i++) {
      const k = this.known.get(resources[i]!);
      if (!k || k.until <= now) return undefined;
      out = i === 0 ? k.value : `${out}.${k.value}`;
    }
    return out;
  }

  ticket(resources: readonly string[]) {
    return { resources, epoch: this.subscribed ? this.epoch : -1, heard: resources.map((r) => this.heard.get(r) ?? 0) };
  }

  /** Keeps what a read started with `ticket` returned (values in the resources' order; null = 0). */
  learn(t: ReturnType<VersionWatch['ticket']>, values: ReadonlyArray<string | null>): void {
    if (t.epoch !== this.epoch || !this.subscribed) return;
    const until = Date.now() + this.trustMs;
    t.resources.forEach((r, i) => {
      if ((this.heard.get(r) ?? 0) === t.heard[i]) this.known.set(r, { value: values[i] ?? '0', until });
    });
  }
}

const watches = new WeakMap<Redis, VersionWatch>();
function watchOf(redis: Redis): VersionWatch {
  let w = watches.get(redis);
  if (!w) watches.set(redis, (w = new VersionWatch(redis)));
  return w;
}

/**
 * The pages this process read or computed last, with the versions they were tagged with: a hit
 * still costs the versions' round trip (the same freshness as the Redis entry), not the page's
 * transfer and decoding. Bounded by bytes; an entry whose versions moved is replaced on the next read.
 */
class NearPages {
  private readonly pages = new Map<string, Page & { until: number }>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly ttlMs: number,
  ) {}

  get(key: string): Page | undefined {
    const e = this.pages.get(key);
    if (e && Date.now() < e.until) return e;
    if (e) this.drop(key);
    return undefined;
  }

  /** Holds the page (text and bytes, both counted) and returns it encoded. */
  set(key: string, version: string, body: string, ttlMs: number): Page {
    this.drop(key);
    const page = encode(version, body);
    const size = body.length + page.bytes.length;
    if (size > this.maxBytes / 8) return page;
    while (this.bytes + size > this.maxBytes) {
      const oldest = this.pages.keys().next().value as string;
      this.drop(oldest);
    }
    this.pages.set(key, { ...page, until: Date.now() + Math.min(ttlMs, this.ttlMs) });
    this.bytes += size;
    return page;
  }

  private drop(key: string): void {
    const e = this.pages.get(key);
    if (!e) return;
    this.bytes -= e.body.length + e.bytes.length;
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
  // Announced like any other bump, so every process's held versions go too.
  await bumpVersion(redis, ...resources);
  return resources;
}
