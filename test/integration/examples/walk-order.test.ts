/**
 * The example partner client (examples/walk-order.ts) walks a whole order against a running hub:
 * API, workers and the METRC sandbox, as `npm start` runs them. It runs as its own process with
 * only a URL and two partners' sign-ins, so what it shows partners is what works.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER_KEY } from '../../../sandboxes/metrc/demo-data.js';
import { adminHeaders, createTestUser } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { eachPackages, metrcOverrides, RETAILERS, startSandbox, WHOLESALERS, type SandboxHandle } from '../metrc/helpers.js';

const SELLER_LICENSE = WHOLESALERS[0]!;
const BUYER_LICENSE = RETAILERS[0]!;

describe('the example partner client', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let workers: RunningWorkers;
  const settings: Record<string, string> = {};

  /** The premises holding `license` (made through the API unless an earlier test file did). */
  async function siteFor(admin: Record<string, string>, license: string, type: 'wholesaler' | 'retailer') {
    const [rows] = await deps.sequelize.query('SELECT id, entity_id FROM locations WHERE license_number = ?', { replacements: [license] });
    const found = (rows as Array<{ id: string; entity_id: string }>)[0];
    if (found) return { locationId: found.id, entityId: found.entity_id };
    const tag = randomUUID().slice(0, 8).toUpperCase();
    const entity = await request(api.url, 'POST', '/entities', { type, name: `Example ${type} ${tag}`, license_number: `X-${tag}`, license_state: 'CO', license_type: 'Test' }, admin);
    const loc = await request(api.url, 'POST', '/locations', { entity_id: entity.body.id, name: 'Licensed premises', license_number: license, address_line1: '1 Main St', city: 'Denver', state: 'CO', postal_code: '80202' }, admin);
    expect(loc.status, JSON.stringify(loc.body)).toBe(201);
    return { locationId: loc.body.id as string, entityId: entity.body.id as string };
  }

  beforeAll(async () => {
    sb = await startSandbox();
    deps = createDeps(metrcOverrides(sb.running.url, { METRC_MANIFEST_POLL_INTERVAL: '10m', METRC_DRIFT_WATCH: '0', ORDER_AUTO_COMPLETE_AFTER: '0', ORDER_REMINDER_BEFORE: '0' }));
    workers = await startWorkers(deps, { queues: ['orders', 'notifications', 'compliance'] });
    api = await startApi(deps);
    const admin = await adminHeaders(deps);
    const seller = await siteFor(admin, SELLER_LICENSE, 'wholesaler');
    const buyer = await siteFor(admin, BUYER_LICENSE, 'retailer');
    const tag = randomUUID().slice(0, 8).toUpperCase();
    const product = await request(api.url, 'POST', '/products', { entity_id: seller.entityId, name: `Example flower ${tag}`, category: 'Flower' }, admin);
    const variant = await request(api.url, 'POST', '/product-variants', { product_id: product.body.id, sku: `EX-${tag}`, name: '3.5g', price_minor: 2500 }, admin);
    // A package of the seller's licence no other test file sells from.
    const label = eachPackages(SELLER_LICENSE).at(-1)!.label;
    const stock = await request(api.url, 'POST', '/inventory', { variant_id: variant.body.id, location_id: seller.locationId, quantity_on_hand: 20, metrc_package_label: label }, admin);
    expect(stock.status, JSON.stringify(stock.body)).toBe(201);
    // The seller's licence works with the sandbox's demo user key, whatever an earlier test stored.
    const key = await request(api.url, 'PUT', `/metrc-credentials/${SELLER_LICENSE}`, { user_key: DEMO_USER_KEY }, admin);
    expect(key.status, JSON.stringify(key.body)).toBe(200);
    const password = `example-${randomUUID()}`;
    const sellerOwner = await createTestUser(deps, { role: 'owner', entityId: seller.entityId, password });
    const buyerOwner = await createTestUser(deps, { role: 'owner', entityId: buyer.entityId, password });
    Object.assign(settings, {
      TRELLIS_URL: api.url,
      METRC_SANDBOX_URL: sb.running.url,
      SELLER_EMAIL: sellerOwner.email,
      SELLER_PASSWORD: password,
      BUYER_EMAIL: buyerOwner.email,
      BUYER_PASSWORD: password,
      STOCK_ID: stock.body.id,
      SHIP_TO_LOCATION_ID: buyer.locationId,
    });
  });
  afterAll(async () => {
    await api?.close();
    await workers?.stop();
    if (deps) await closeDeps(deps);
    await sb?.running.close();
  });

  it('places, accepts, fulfils, matches the METRC manifest, ships, delivers and completes one order', async () => {
    const { stdout } = await promisify(execFile)('node_modules/.bin/tsx', ['examples/walk-order.ts'], {
      env: { ...process.env, ...settings },
      timeout: 150_000,
    });
    expect(stdout).toMatch(/placed TR-/);
    expect(stdout).toMatch(/METRC manifest \S+ registered/);
    // With a 10-minute ceiling the example's check-now is what finds it (issue 14.9).
    expect(stdout).toMatch(/manifest matched \d+\.\d s after asking \(check: HTTP 202\)/);
    expect(stdout).toMatch(/story: submitted → accepted → fulfilled → .*metrc:matched → shipped → delivered → completed/);
    expect(stdout).toMatch(/completed$/m);
  }, 180_000);
});
