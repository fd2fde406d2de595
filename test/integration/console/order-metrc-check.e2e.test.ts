/**
 * The order page's 'Check METRC now' (issue 14.9) in headless Chromium against the real hub and
 * the METRC sandbox: the wholesaler's person opens a fulfilled order whose transfer awaits its
 * manifest, registers it in "METRC", presses the button (POST /orders/{id}/metrc/check, 202) and
 * sees the order matched, without reloading. The retailer's person gets no button.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { adminHeaders, createTestUser, headersFor, type TestUser } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { eachPackages, metrcOverrides, RETAILERS, startSandbox, until, WHOLESALERS, type SandboxHandle } from '../metrc/helpers.js';

const SHOTS = 'test-results/screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHIPPER = WHOLESALERS[1]!;
const RECIPIENT = RETAILERS[2]!;

describe("order page: 'Check METRC now' (headless Chromium, METRC sandbox)", () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let workers: RunningWorkers;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync('web/build/index.html')) execFileSync('npm', ['run', 'build', '--workspace', 'web'], { stdio: 'ignore' });
    mkdirSync(SHOTS, { recursive: true });
    sb = await startSandbox();
    deps = createDeps({
      ...metrcOverrides(sb.running.url, { METRC_MANIFEST_POLL_INTERVAL: '10m', METRC_DRIFT_WATCH: '0' }),
      ORDER_ACCEPT_DEADLINE: '1h', ORDER_REMINDER_BEFORE: '0', ORDER_AUTO_COMPLETE_AFTER: '0',
    });
    api = await startApi(deps);
    workers = await startWorkers(deps, { queues: ['orders', 'compliance', 'notifications'] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });
  afterAll(async () => {
    await browser?.close();
    await workers?.stop();
    await api?.close();
    if (deps) await closeDeps(deps);
    await sb?.running.close();
  });

  /** The premises holding `license` (made through the API unless an earlier test file made it). */
  async function siteFor(admin: Record<string, string>, license: string, type: 'wholesaler' | 'retailer') {
    const [rows] = await deps.sequelize.query('SELECT id, entity_id FROM locations WHERE license_number = ?', { replacements: [license] });
    const found = (rows as Array<{ id: string; entity_id: string }>)[0];
    if (found) return { locationId: found.id, entityId: found.entity_id };
    const tag = randomUUID().slice(0, 8).toUpperCase();
    const entity = await request(api.url, 'POST', '/entities', { type, name: `Sandbox ${type} ${tag}`, license_number: `E-${tag}`, license_state: 'CO', license_type: 'Test' }, admin);
    const loc = await request(api.url, 'POST', '/locations', { entity_id: entity.body.id, name: 'Licensed premises', license_number: license, address_line1: '1 Main St', city: 'Denver', state: 'CO', postal_code: '80202' }, admin);
    return { locationId: loc.body.id as string, entityId: entity.body.id as string };
  }

  async function signIn(user: TestUser) {
    await page.goto(`${api.url}/login`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  it('the wholesaler presses the button after registering the manifest and sees the order matched', async () => {
    onTestFailed(async () => {
      await page.screenshot({ path: `${SHOTS}/failed-order-metrc-check.png`, fullPage: true });
    });
    const admin = await adminHeaders(deps);
    const from = await siteFor(admin, SHIPPER, 'wholesaler');
    const to = await siteFor(admin, RECIPIENT, 'retailer');
    const [buyer, seller] = await Promise.all([
      headersFor(deps, { role: 'owner', entityId: to.entityId }),
      headersFor(deps, { role: 'member', entityId: from.entityId }),
    ]);
    const tag = randomUUID().slice(0, 8).toUpperCase();
    const product = await request(api.url, 'POST', '/products', { entity_id: from.entityId, name: `Sandbox flower ${tag}`, category: 'Flower' }, admin);
    const variant = await request(api.url, 'POST', '/product-variants', { product_id: product.body.id, sku: `SBX-${tag}`, name: '3.5g', price_minor: 2500 }, admin);
    const label = eachPackages(SHIPPER).at(-1)!.label;
    const stock = await request(api.url, 'POST', '/inventory', { variant_id: variant.body.id, location_id: from.locationId, quantity_on_hand: 10, metrc_package_label: label }, admin);
    expect(stock.status, JSON.stringify(stock.body)).toBe(201);
    const placed = await request(api.url, 'POST', '/orders', {
      retailer_id: to.entityId, wholesaler_id: from.entityId, ship_from_location_id: from.locationId, ship_to_location_id: to.locationId,
      items: [{ variant_id: variant.body.id, quantity: 1 }],
    }, buyer);
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const id = placed.body.id as string;
    await until('the order workflow to take the order', async () => ((await request(api.url, 'GET', `/orders/${id}`, undefined, seller)).body.available_transitions?.includes('accept') ? true : undefined));
    expect((await request(api.url, 'POST', `/orders/${id}/transitions`, { action: 'accept' }, seller)).status).toBe(200);
    const lines = (placed.body.items as Array<{ id: string }>).map((i) => ({ item_id: i.id, metrc_package_label: label }));
    expect((await request(api.url, 'POST', `/orders/${id}/transitions`, { action: 'fulfil', lines }, seller)).status).toBe(200);
    const templateId = await until('the order to await its manifest', async () => {
      const r = await request(api.url, 'GET', `/orders/${id}`, undefined, seller);
      return r.body.metrc?.state === 'awaiting_manifest' ? (r.body.metrc.template_id as number) : undefined;
    });

    // The retailer's person sees the METRC state but no button (the API would answer 403).
    const retailerUser = await createTestUser(deps, { role: 'owner', entityId: to.entityId });
    await signIn(retailerUser);
    await page.goto(`${api.url}/orders/${id}`);
    await page.getByText('awaiting manifest', { exact: true }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Check METRC now' }).count()).toBe(0);
    await page.context().clearCookies();

    const sellerUser = await createTestUser(deps, { role: 'member', entityId: from.entityId });
    await signIn(sellerUser);
    await page.goto(`${api.url}/orders/${id}`);
    const button = page.getByRole('button', { name: 'Check METRC now' });
    await button.waitFor();
    await page.screenshot({ path: `${SHOTS}/order-metrc-check-before.png`, fullPage: true });

    const reg = await fetch(`${sb.running.url}/__sandbox/templates/${templateId}/register-manifest`, { method: 'POST' });
    expect(reg.status).toBe(201);
    const asked = page.waitForResponse((r) => r.url().includes(`/orders/${id}/metrc/check`));
    await button.click();
    // The transfer keeps its own backed-off looks (2 s, 4 s, 8 s …): one may land between the
    // registration and the click and match first; the check is then refused as already matched.
    const answer = await asked;
    const answered = answer.status() === 202 ? '' : JSON.stringify(await answer.json().catch(() => ({})));
    expect(answer.status() === 202 || (answer.status() === 409 && /matched|no longer waiting/i.test(answered)), `${answer.status()} ${answered}`).toBe(true);
    // The page follows the live update (no reload): the state turns matched, the button goes.
    await page.getByText('matched', { exact: true }).first().waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByRole('button', { name: 'Check METRC now' }).count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByTestId('metrc-check-message').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/order-metrc-check-matched.png`, fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
