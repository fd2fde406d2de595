/**
 * `npm start` seeds an empty database once. Runs on a scratch database (the shared test database
 * is never empty), then reads the seeded rows back through the API so every answer is checked
 * against the contract too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../../../db/connection.js';
import { buildDemoData, demoCounts } from '../../../db/seed/build.js';
import { migrateUp } from '../../../scripts/migrate.js';
import { seedIfEmpty } from '../../../scripts/seed.js';
import { DEMO_FACILITIES } from '../../../sandboxes/metrc/demo-data.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';

const scratch = (() => {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = `${u.pathname}_seed`;
  return u.toString();
})();

describe('demo seed', () => {
  const expected = demoCounts(buildDemoData());
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let auth: Record<string, string>;

  beforeAll(async () => {
    await dropDatabase(scratch);
    await migrateUp(scratch, true);
  });
  afterAll(async () => {
    await api?.close();
    if (deps) await closeDeps(deps);
    await dropDatabase(scratch);
  });

  async function counts() {
    const tables = { entities: 'entities', locations: 'locations', products: 'products', variants: 'product_variants', inventory: 'inventory', orders: 'orders', orderItems: 'order_items' };
    const out: Record<string, number> = {};
    for (const [key, table] of Object.entries(tables)) {
      const [rows] = await deps.sequelize.query(`SELECT COUNT(*) AS n FROM ${table}`);
      out[key] = Number((rows as Array<{ n: number }>)[0]!.n);
    }
    return out;
  }

  it('loads the demo data into an empty database, and a second run is a no-op', async () => {
    const first = await seedIfEmpty(scratch);
    expect(first).toMatch(/3000 products/);
    deps = createDeps({ DATABASE_URL: scratch });
    const after = await counts();
    expect(after).toEqual(expected);

    expect(await seedIfEmpty(scratch)).toBeUndefined();
    expect(await counts()).toEqual(after);
  });

  it('serves the seeded rows through the API within the contract', async () => {
    api = await startApi(deps);
    auth = await adminHeaders(deps);
    const get = (path: string) => request(api.url, 'GET', path, undefined, auth);

    const products = await get('/products?limit=200&sort=name');
    expect(products.status, JSON.stringify(products.body)).toBe(200);
    expect(products.body.pagination.total).toBe(expected.products);

    const evergreen = await get(`/entities?q=${encodeURIComponent('Evergreen Wholesale')}`);
    expect(evergreen.body.data.map((e: { license_number: string }) => e.license_number)).toContain(DEMO_FACILITIES[0]!.licenseNumber);

    for (const path of ['/entities?limit=200', '/locations?limit=200', '/product-variants?limit=200', '/inventory?limit=200', '/orders?limit=200']) {
      const r = await get(path);
      expect(r.status, `${path} ${JSON.stringify(r.body).slice(0, 300)}`).toBe(200);
      expect(r.body.data.length).toBeGreaterThan(0);
    }
    const labelled = await get(`/inventory?metrc_package_label=1A4001001000000000000001`);
    expect(labelled.body.data).toHaveLength(1);

    const shipped = await get('/orders?status=completed&limit=1');
    const order = await get(`/orders/${shipped.body.data[0].id}`);
    expect(order.status).toBe(200);
    expect(order.body.items.length).toBe(order.body.item_count);
  });
});
