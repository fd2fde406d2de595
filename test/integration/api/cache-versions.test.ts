/**
 * Versions held in memory (api/services/cache.ts VersionWatch, issue 22): a cached read whose page
 * and versions this process holds makes no Redis round trip, so freshness across API processes
 * rests on the bump announcements (platform/cacheVersions.ts) and the VERSION_TRUST_MS bound.
 * Two API instances here have their own Redis clients, as two processes would.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOrCompute, VERSION_TRUST_MS, VersionWatch } from '../../../api/services/cache.js';
import { bumpVersion, versionKey } from '../../../platform/cacheVersions.js';
import { closeDeps as closePlatform } from '../../../platform/composition.js';
import type { ApiDeps } from '../../../api/deps.js';
import { adminHeaders } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, testConfig, type RunningApi } from '../../support/harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(5);
  }
}

describe('cached pages across two API instances (versions held in memory)', () => {
  // Responses unvalidated, as in production: cached pages then go out as their stored bytes.
  const depsA = createDeps({ OPENAPI_VALIDATE_RESPONSES: 'false' });
  const depsB = createDeps({ OPENAPI_VALIDATE_RESPONSES: 'false' });
  let a: RunningApi;
  let b: RunningApi;
  let admin: Record<string, string>;
  let world: Awaited<ReturnType<typeof createWorld>>;

  beforeAll(async () => {
    a = await startApi(depsA);
    b = await startApi(depsB);
    admin = await adminHeaders(depsA);
    world = await createWorld(a.url, admin);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await closeDeps(depsA);
    await closeDeps(depsB);
  });

  const path = () => `/products?entity_id=${world.wholesaler.id}`;
  const names = async (api: RunningApi) => {
    const r = await request(api.url, 'GET', path(), undefined, admin);
    expect(r.status).toBe(200);
    return (r.body.data as Array<{ name: string }>).map((p) => p.name);
  };

  it('a write through one instance shows on the very next read of the other', async () => {
    for (let i = 0; i < 3; i++) {
      await names(a);
      await names(b); // both hold the page and its versions now
    }
    for (const round of [1, 2, 3]) {
      const name = `Renamed ${round} ${world.tag}`;
      const patched = await request(a.url, 'PATCH', `/products/${world.product.id}`, { name }, admin);
      expect(patched.status).toBe(200);
      expect(await names(b)).toEqual([name]);
      expect(await names(a)).toEqual([name]);
    }
  });

  it('a bump by another process (worker, POS sync) shows on the next read of both instances', async () => {
    await names(a);
    await names(b);
    const id = randomUUID();
    await depsA.sequelize.query("INSERT INTO products (id, entity_id, name, category) VALUES (?, ?, ?, 'Flower')", {
      replacements: [id, world.wholesaler.id, `Synced ${world.tag}`],
    });
    const worker = new Redis(testConfig().redisUrl);
    try {
      await bumpVersion(worker, 'products');
      expect(await names(a)).toContain(`Synced ${world.tag}`);
      expect(await names(b)).toContain(`Synced ${world.tag}`);
    } finally {
      await depsA.sequelize.query('DELETE FROM products WHERE id = ?', { replacements: [id] });
      await bumpVersion(worker, 'products');
      worker.disconnect();
    }
  });

  it('sends the stored bytes with the ETag Express would compute, and answers If-None-Match with 304', async () => {
    await names(b);
    const first = await fetch(`${b.url}/api/v1${path()}`, { headers: admin });
    const text = await first.text();
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(first.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const etag = first.headers.get('etag')!;
    const bytes = Buffer.from(text);
    expect(etag).toBe(`W/"${bytes.length.toString(16)}-${createHash('sha1').update(bytes).digest('base64').substring(0, 27)}"`);
    // node:http, not fetch: fetch adds Cache-Control: no-cache to conditional requests, which
    // (rightly) makes Express answer in full.
    const { get } = await import('node:http');
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get(`${b.url}/api/v1${path()}`, { headers: { ...admin, 'if-none-match': etag } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    expect(status).toBe(304);
    // Still authenticated and scoped: no credentials, no page (cached or not).
    expect((await fetch(`${b.url}/api/v1${path()}`)).status).toBe(401);
  });

  it('still validates the query of a path whose route lookup is remembered (api/http/openapi.ts)', async () => {
    for (let i = 0; i < 3; i++) expect((await request(b.url, 'GET', '/products?limit=5', undefined, admin)).status).toBe(200);
    const tooMany = await request(b.url, 'GET', '/products?limit=1000', undefined, admin);
    expect(tooMany.status).toBe(400);
    expect((await request(b.url, 'GET', '/products?bogus=1', undefined, admin)).status).toBe(400);
    expect((await request(b.url, 'DELETE', '/products', undefined, admin)).status).toBe(405);
    expect((await request(b.url, 'GET', '/products?limit=5', undefined, admin)).status).toBe(200);
  });
});

describe('VersionWatch', () => {
  const url = testConfig().redisUrl;
  const watched = new Redis(url);
  const other = new Redis(url);
  const resource = `test-${randomUUID().slice(0, 8)}`;
  // A long trust, so only an announcement can explain a version being forgotten below.
  const watch = new VersionWatch(watched, 60_000);
  const learnNow = async () => {
    const t = watch.ticket([resource]);
    watch.learn(t, [await other.get(versionKey(resource))]);
  };

  beforeAll(async () => {
    await until(() => watch.ticket([resource]).epoch >= 0);
  });
  afterAll(async () => {
    watch.close();
    watched.disconnect();
    other.disconnect();
  });

  it('forgets a version when another client announces a bump, and learns the new one', async () => {
    await learnNow();
    expect(watch.current([resource])).toBe('0');
    await bumpVersion(other, resource);
    await until(() => watch.current([resource]) === undefined);
    await learnNow();
    const bumped = await other.get(versionKey(resource));
    expect(bumped).not.toBe('0');
    expect(watch.current([resource])).toBe(bumped);
  });

  it('a version lost with a Redis restart never meets a page cached before it', async () => {
    const res = `restart-${randomUUID().slice(0, 8)}`;
    await bumpVersion(other, res);
    const before = await other.get(versionKey(res));
    expect(await getOrCompute(other, res, 'page', async () => 'before the restart')).toBe('before the restart');
    // Redis restarts without its data (it keeps nothing on disk here); this process still holds
    // the page. Counting again from nothing must not reach the number that page is tagged with.
    await other.del(versionKey(res));
    await bumpVersion(other, res);
    expect(await other.get(versionKey(res))).not.toBe(before);
    expect(await getOrCompute(other, res, 'page', async () => 'after the restart')).toBe('after the restart');
    // Versions seeded from Redis's clock still count up by one per bump.
    await bumpVersion(other, res);
    const [x, y] = [BigInt((await other.get(versionKey(res)))!), BigInt(before!)];
    expect(x > y).toBe(true);
  });

  it('keeps an unannounced INCR hidden no longer than the trust bound', async () => {
    const client = new Redis(url);
    const short = new VersionWatch(client, 200);
    try {
      await until(() => short.ticket([resource]).epoch >= 0);
      const t = short.ticket([resource]);
      short.learn(t, [await other.get(versionKey(resource))]);
      const held = short.current([resource]);
      expect(held).toBeDefined();
      await other.incr(versionKey(resource)); // a writer that does not announce
      await sleep(250);
      expect(short.current([resource])).toBeUndefined();
    } finally {
      short.close();
      client.disconnect();
    }
    expect(VERSION_TRUST_MS).toBeLessThanOrEqual(1000);
  });

  it('does not learn from a read that a bump overtook', async () => {
    await learnNow();
    const t = watch.ticket([resource]);
    const stale = await other.get(versionKey(resource));
    await bumpVersion(other, resource);
    await until(() => watch.current([resource]) === undefined);
    watch.learn(t, [stale]); // the old reply arriving after the announcement
    expect(watch.current([resource])).toBeUndefined();
  });

  it('trusts nothing while its subscriber is down', async () => {
    const client = new Redis(url);
    const w = new VersionWatch(client, 60_000);
    await until(() => w.ticket([resource]).epoch >= 0);
    const t = w.ticket([resource]);
    w.learn(t, ['7']);
    expect(w.current([resource])).toBe('7');
    w.close();
    await until(() => w.current([resource]) === undefined);
    w.learn(w.ticket([resource]), ['7']);
    expect(w.current([resource])).toBeUndefined();
    client.disconnect();
  });

  it('closes its subscriber when the platform closes its client while Redis is down', async () => {
    // Nothing listens on port 1: both connections keep reconnecting, and ioredis never emits 'end'
    // for a client disconnected between attempts, so only closeDeps can say the client is gone.
    const client = new Redis({ host: '127.0.0.1', port: 1, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(n * 50, 200) });
    client.on('error', () => undefined);
    const w = new VersionWatch(client);
    const sub = (w as unknown as { sub: Redis }).sub;
    let attempts = 0;
    sub.on('reconnecting', () => attempts++);
    await until(() => attempts >= 2);
    const noop = { close: async () => undefined };
    await closePlatform({ sequelize: noop, writer: noop, temporal: noop, redis: client } as unknown as ApiDeps);
    // (Its status stays 'reconnecting' for the same reason; what matters is that it stops trying.)
    const after = attempts;
    await sleep(800);
    expect(attempts).toBe(after);
  });
});
