/**
 * Reports page in real headless Chromium: a wholesaler's owner asks for an inventory valuation,
 * watches it reach succeeded in the history with a full progress bar and a download link, and
 * gets the server's 422 (naming the field) for a time zone that does not exist. Screenshots land
 * in test-results/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { adminHeaders, createTestUser } from '../../support/auth.js';
import { createWorld } from '../../support/fixtures.js';
import { closeDeps, createDeps, ownQueues, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';

const SHOTS = 'test-results/screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('Reports page (headless Chromium)', () => {
  const deps = createDeps(ownQueues());
  let api: RunningApi;
  let workers: RunningWorkers;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync('web/build/index.html')) execFileSync('npm', ['run', 'build', '--workspace', 'web'], { stdio: 'ignore' });
    mkdirSync(SHOTS, { recursive: true });
    [api, workers] = await Promise.all([startApi(deps), startWorkers(deps, { queues: ['reports'] })]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await workers?.stop();
    await api?.close();
    await closeDeps(deps);
  });

  it('an owner requests a report, sees it finish with a download link, and reads the 422 for a bad time zone', async () => {
    onTestFailed(async () => {
      await page.screenshot({ path: `${SHOTS}/failed-reports.png`, fullPage: true });
    });
    const world = await createWorld(api.url, await adminHeaders(deps));
    const owner = await createTestUser(deps, { role: 'owner', entityId: world.wholesaler.id });
    await page.goto(`${api.url}/login`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    await page.locator('select[name="type"]').selectOption('inventory_valuation');
    await page.getByRole('button', { name: 'Request report' }).click();
    const row = page.locator('tr[data-report]').first();
    await row.locator('[data-status="succeeded"]').waitFor({ timeout: 60_000 });
    await expect(row.getByRole('link', { name: 'Download' }).getAttribute('href')).resolves.toMatch(/^\/api\/v1\/reports\/[0-9a-f-]+\/download$/);
    expect(await row.locator('progress').getAttribute('value')).toBe('100');
    await page.screenshot({ path: `${SHOTS}/reports-history.png`, fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('link', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^inventory_valuation-[0-9a-f]{8}\.csv$/);

    await page.locator('select[name="type"]').selectOption('sales');
    await page.locator('input[name="timezone"]').fill('Mars/Olympus_Mons');
    await page.getByRole('button', { name: 'Request report' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('timezone');
    await page.screenshot({ path: `${SHOTS}/reports-bad-timezone.png`, fullPage: true });
    // The browser logs every non-2xx it fetched (the sign-in page's 401 session probe, the 422 asked for).
    expect(consoleErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  }, 180_000);
});
