/**
 * The operations console in real headless Chromium against the real hub: API + workers on the
 * run's Temporal server, the METRC sandbox in-process. Screenshots of every page land in
 * test-results/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { authenticator } from 'otplib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { adminHeaders, createTestUser, headersFor, type TestUser } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { signIn } from '../../support/consoleSignIn.js';
import { createSubmission, eachPackages, metrcOverrides, receiptPayload, RETAILERS, startSandbox, until, WHOLESALERS, type SandboxHandle } from '../metrc/helpers.js';

const SHOTS = 'test-results/screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function ensureConsoleBuilt() {
  if (!existsSync('web/build/index.html')) execFileSync('npm', ['run', 'build', '--workspace', 'web'], { stdio: 'ignore' });
}

describe('operations console (headless Chromium)', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let workers: RunningWorkers;
  let browser: Browser;
  let page: Page;
  let admin: TestUser;
  let headers: Record<string, string>;
  const consoleErrors: string[] = [];

  const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  const go = async (path: string) => {
    await page.goto(`${api.url}${path}`);
    await page.locator('main h1').first().waitFor();
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    mkdirSync(SHOTS, { recursive: true });
    sb = await startSandbox();
    deps = createDeps({ ...metrcOverrides(sb.running.url), ORDER_ACCEPT_DEADLINE: '1h', ORDER_REMINDER_BEFORE: '0', ORDER_AUTO_COMPLETE_AFTER: '0' });
    api = await startApi(deps);
    workers = await startWorkers(deps, { queues: ['orders', 'compliance', 'notifications'] });
    headers = await adminHeaders(deps);
    admin = await createTestUser(deps, { role: 'admin', mfa: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  });

  afterAll(async () => {
    await browser?.close();
    await workers?.stop();
    await api?.close();
    await closeDeps(deps);
    await sb?.running.close();
  });

  it('sends unknown visitors to sign-in, then signs in with the second factor', async () => {
    onTestFailed(async () => {
      await shot('failed-sign-in');
    });
    await page.goto(`${api.url}/orders`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    await shot('01-sign-in');

    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();

    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await shot('02-mfa');
    await page.getByLabel('Code').fill(authenticator.generate(admin.totpSecret!));
    await page.getByRole('button', { name: 'Verify' }).click();
    // Back where the visitor wanted to go.
    await page.getByRole('heading', { name: 'Orders', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/orders');
    const nav = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    expect(nav).toEqual(['Dashboard', 'Orders', 'Workflows', 'Syncs', 'POS connections', 'Compliance', 'Inventory', 'Reports', 'Audit log', 'Users', 'METRC keys', 'Settings']);
  });

  it('renders every main page with data or an explicit empty state, never an error', async () => {
    const pages: Array<[string, string]> = [
      ['/', 'Dashboard'],
      ['/orders', 'Orders'],
      ['/workflows', 'Workflows'],
      ['/syncs', 'POS syncs'],
      ['/compliance', 'Compliance'],
      ['/inventory', 'Inventory by location'],
      ['/audit', 'Audit log'],
      ['/settings', 'Settings'],
    ];
    for (const [path, title] of pages) {
      await go(path);
      expect(await page.locator('main h1').first().textContent()).toContain(title);
      // Wait until no section is still loading, then make sure none failed.
      await expect.poll(() => page.locator('.state.loading').count(), { timeout: 30_000 }).toBe(0);
      const errors = await page.locator('.state.error').allTextContents();
      expect(errors, `${path}: ${errors.join(' | ')}`).toEqual([]);
      await shot(`10-page${path === '/' ? '-dashboard' : path.replace(/\//g, '-')}`);
    }
    // The audit log shows this run's sign-in.
    await go('/audit');
    await page.getByRole('cell', { name: /auth\.|session\.|login/ }).first().waitFor();
  });

  it('accepting an order shows the new state and its timeline', async () => {
    const world = await createWorld(api.url, headers);
    const placed = await request(
      api.url,
      'POST',
      '/orders',
      { retailer_id: world.retailer.id, wholesaler_id: world.wholesaler.id, ship_from_location_id: world.warehouse.id, ship_to_location_id: world.store.id, items: [{ variant_id: world.variant.id, quantity: 3 }] },
      headers,
    );
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const id = placed.body.id as string;
    // The wholesaler accepts: platform staff act for neither party of an order (issue 13.7).
    const seller = await createTestUser(deps, { role: 'owner', entityId: world.wholesaler.id });
    const sellerHeaders = await headersFor(deps, { role: 'owner', entityId: world.wholesaler.id });
    await until('the order workflow to offer accept', async () => (await request(api.url, 'GET', `/orders/${id}`, undefined, sellerHeaders)).body.available_transitions?.includes('accept'));
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    const wp = await ctx.newPage();
    await wp.goto(`${api.url}/login`);
    await wp.getByLabel('Email').fill(seller.email);
    await wp.getByLabel('Password').fill(seller.password);
    await wp.getByRole('button', { name: 'Sign in' }).click();
    await wp.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await wp.goto(`${api.url}/orders/${id}`);
    await wp.locator('main h1').first().waitFor();
    await wp.getByRole('button', { name: 'accept' }).click();
    const dialog = wp.getByRole('dialog');
    await dialog.getByRole('button', { name: 'accept' }).click();
    await wp.getByRole('status').filter({ hasText: 'Done: accept' }).waitFor();
    await wp.locator('h1 .badge', { hasText: 'accepted' }).waitFor();
    await wp.getByTestId('timeline').getByText('submitted → accepted').waitFor();
    await wp.screenshot({ path: `${SHOTS}/20-order-accepted.png`, fullPage: true });
    await ctx.close();
    // Staff see the same order, with the workflow's own steps merged into the timeline (the
    // workflows API is staff-only, so the wholesaler's page has none).
    await go(`/orders/${id}`);
    await page.locator('h1 .badge', { hasText: 'accepted' }).waitFor();
    await page.getByTestId('timeline').locator('li.wf').first().waitFor();
    await shot('20-order-accepted-staff');

    // The order's workflow is listed and described on the Workflows pages.
    await go(`/workflows?workflow_id=${encodeURIComponent(`order:${id}`)}`);
    await page.getByRole('link', { name: `order:${id}` }).click();
    await page.getByRole('heading', { name: 'Pending activities' }).waitFor();
    await page.getByRole('button', { name: 'Terminate…' }).waitFor();
    await shot('21-workflow-detail');
  });

  it('a METRC failure is found in Compliance, corrected, retried and succeeds', async () => {
    const retailer = RETAILERS[0]!;
    const foreign = eachPackages(WHOLESALERS[0]!)[0]!.label;
    const bad = receiptPayload(foreign);
    const created = await createSubmission(api.url, headers, 'sales_receipt', retailer, bad);
    await until('the submission to fail', async () => (await request(api.url, 'GET', `/metrc-submissions/${created.id}`, undefined, headers)).body.status === 'failed');

    await go('/compliance?status=failed');
    await page.getByRole('region', { name: 'METRC submissions' }).getByRole('link', { name: created.id.slice(0, 8) }).click();
    await page.getByTestId('row-messages').getByText(`Package ${foreign} is not available.`).waitFor();
    await shot('30-compliance-failed');

    // An invalid edit is caught before it can be sent (the JSON is one click away from the form).
    await page.getByRole('button', { name: 'JSON' }).click();
    const editor = page.getByLabel(/JSON sent to METRC/);
    await editor.fill('{ not json');
    await page.getByText(/Not valid JSON/).waitFor();
    expect(await page.getByRole('button', { name: 'Save & retry' }).isDisabled()).toBe(true);

    const own = eachPackages(retailer)[0]!.label;
    const fixed = { ...bad, Transactions: [{ ...bad.Transactions[0]!, PackageLabel: own }] };
    await editor.fill(JSON.stringify(fixed, null, 2));
    await page.getByRole('button', { name: 'Save & retry' }).click();
    await page.getByRole('status').filter({ hasText: 'Corrected payload sent' }).waitFor();
    await page.locator('h1 .badge', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    await shot('31-compliance-succeeded');
    const state = await sb.state();
    expect(state.receiptsByExternalNumber[bad.ExternalReceiptNumber]).toBe(1);
  });

  it('hides what a role may not do: an operator cannot fix METRC submissions', async () => {
    // Operators must pass a second factor like admins (domain/policy.ts MFA_REQUIRED_ROLES).
    const operator = await createTestUser(deps, { role: 'operator' });
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await signIn(p, api.url, operator);
    const nav = await p.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    expect(nav).not.toContain('Audit log');
    await p.goto(`${api.url}/compliance`);
    const bulk = p.getByRole('button', { name: 'Bulk retry failed…' });
    await bulk.waitFor();
    expect(await bulk.isDisabled()).toBe(true);
    await p.getByText('Only compliance staff and admins can correct, retry or discard METRC submissions.').first().waitFor();
    await p.screenshot({ path: `${SHOTS}/40-operator-compliance.png`, fullPage: true });
    await ctx.close();
  });

  it('logged no script errors', () => {
    // 4xx answers the pages handle (e.g. a workflow not started yet) show up as failed resource loads.
    expect(consoleErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
