import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../domain/actor.js';
import { ownedBy } from '../../../api/resources/common.js';
import { products } from '../../../api/resources/products.js';
import { createCrudService } from '../../../api/services/crud.js';
import { bumpVersion } from '../../../platform/cacheVersions.js';
import { adminHeaders, headersFor } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

describe('list cache (Redis get-or-compute, versioned by writes)', () => {
  const deps = createDeps();
  let api: RunningApi;
  let admin: Record<string, string>;
  let world: Awaited<ReturnType<typeof createWorld>>;

  beforeAll(async () => {
    api = await startApi(deps);
    admin = await adminHeaders(deps);
    world = await createWorld(api.url, admin);
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  const listOf = async (headers: Record<string, string>, path = `/products?entity_id=${world.wholesaler.id}`) => {
    const r = await request(api.url, 'GET', path, undefined, headers);
    expect(r.status).toBe(200);
    return r.body as { data: Array<Record<string, unknown>>; pagination: { total: number } };
  };

  /** Cached entries of this database's product pages: `<version>\n<json>`. */
  const cachedProductPages = async () => {
    const keys = await deps.redis.keys('trellis:cache:products:*');
    const values = keys.length ? await deps.redis.mget(...keys) : [];
    return values.filter((v): v is string => v !== null);
  };

  it('a write outside the API (raw SQL, as the POS sync does) shows once the writer bumps the version', async () => {
    await listOf(admin); // warm the cache
    const id = randomUUID();
    await deps.sequelize.query(
      "INSERT INTO products (id, entity_id, name, category) VALUES (?, ?, ?, 'Flower')",
      { replacements: [id, world.wholesaler.id, `Synced Haze ${world.tag}`] },
    );
    expect((await listOf(admin)).data.map((p) => p.id)).not.toContain(id); // served from cache
    await bumpVersion(deps.redis, 'products', 'product_variants', 'inventory');
    expect((await listOf(admin)).data.map((p) => p.id)).toContain(id);
    await deps.sequelize.query('DELETE FROM products WHERE id = ?', { replacements: [id] });
    await bumpVersion(deps.redis, 'products');
  });

  it('stores the page it answered, and a create, update or delete shows on the very next read', async () => {
    const before = await listOf(admin);
    expect(before.data.map((p) => p.id)).toEqual([world.product.id]);
    const again = await listOf(admin);
    expect(again).toEqual(before);
    expect((await cachedProductPages()).some((v) => v.slice(v.indexOf('\n') + 1) === JSON.stringify(before))).toBe(true);

    const created = await request(api.url, 'POST', '/products', { entity_id: world.wholesaler.id, name: `Cached Kush ${world.tag}`, category: 'Flower' }, admin);
    expect(created.status).toBe(201);
    const afterCreate = await listOf(admin);
    expect(afterCreate.pagination.total).toBe(2);
    expect(afterCreate.data.map((p) => p.id)).toContain(created.body.id);

    const patched = await request(api.url, 'PATCH', `/products/${created.body.id}`, { name: `Renamed Kush ${world.tag}` }, admin);
    expect(patched.status).toBe(200);
    expect((await listOf(admin)).data.find((p) => p.id === created.body.id)?.name).toBe(`Renamed Kush ${world.tag}`);

    expect((await request(api.url, 'DELETE', `/products/${created.body.id}`, undefined, admin)).status).toBe(204);
    const afterDelete = await listOf(admin);
    expect(afterDelete.pagination.total).toBe(1);
    expect(afterDelete.data.map((p) => p.id)).toEqual([world.product.id]);
  });

  it('gives every tenant the page of its own read scope, never one cached for another tenant', async () => {
    // Over HTTP: the catalog is readable by everyone, so both tenants rightly see the same page.
    const retailerOwner = await headersFor(deps, { role: 'owner', entityId: world.retailer.id });
    const wholesalerOwner = await headersFor(deps, { role: 'owner', entityId: world.wholesaler.id });
    const seenByWholesaler = await listOf(wholesalerOwner);
    expect(await listOf(retailerOwner)).toEqual(seenByWholesaler);

    // A resource whose read scope is the tenant (same cache namespace as products): each tenant's
    // cached page must stay its own.
    const scoped = createCrudService({ ...products, readScope: ownedBy('entity_id') }, deps);
    const tenant = (entityId: string): Actor => ({ kind: 'user', id: randomUUID(), role: 'owner', entityId });
    const params = { page: 1, limit: 50 };
    const wholesalerPage = JSON.parse(await scoped.listJson(tenant(world.wholesaler.id), params));
    expect(wholesalerPage.data.map((p: { id: string }) => p.id)).toEqual([world.product.id]);
    const retailerPage = JSON.parse(await scoped.listJson(tenant(world.retailer.id), params));
    expect(retailerPage.data).toEqual([]);
    expect(retailerPage.pagination.total).toBe(0);
    // Asked again (now both cached), each still gets its own.
    expect(JSON.parse(await scoped.listJson(tenant(world.retailer.id), params)).data).toEqual([]);
    expect(JSON.parse(await scoped.listJson(tenant(world.wholesaler.id), params))).toEqual(wholesalerPage);
  });

  it('purge (platform admins only) makes pages recompute, picking up rows written behind the API', async () => {
    await listOf(admin); // cached
    const sneaked = randomUUID();
    await deps.sequelize.query(
      'INSERT INTO products (id, entity_id, name, category, brand, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NOW(3), NOW(3))',
      { replacements: [sneaked, world.wholesaler.id, `Sneaked ${world.tag}`, 'Flower', 'Peak'] },
    );

    const operator = await headersFor(deps, { role: 'operator' });
    const owner = await headersFor(deps, { role: 'owner', entityId: world.wholesaler.id });
    expect((await request(api.url, 'POST', '/admin/cache/purge')).status).toBe(401);
    for (const h of [operator, owner]) {
      const denied = await request(api.url, 'POST', '/admin/cache/purge', undefined, h);
      expect(denied.status).toBe(403);
      expect(denied.body.error.code).toBe('FORBIDDEN');
    }

    const versionBefore = Number((await deps.redis.get('trellis:ver:products')) ?? 0);
    const purged = await request(api.url, 'POST', '/admin/cache/purge', undefined, admin);
    expect(purged.status).toBe(200);
    expect(purged.body.purged).toEqual(expect.arrayContaining(['products', 'product_variants', 'entities', 'locations']));
    expect(Number(await deps.redis.get('trellis:ver:products'))).toBeGreaterThan(versionBefore);

    const after = await listOf(admin);
    expect(after.data.map((p) => p.id)).toContain(sneaked);
    expect(after.pagination.total).toBe(2);
  });
});
