/**
 * Reports page in real headless Chromium: a wholesaler's owner asks for an inventory valuation,
 * watches it reach succeeded in the history with a full progress bar and a download link, and
 * gets the server's 422 (naming the field) for a time zone that does not exist; charts a sales and
 * a fulfilment report from their own files; schedules a report for Mondays at 07:00, pauses,
 * resumes and deletes it. Without a Sentry DSN no Sentry code reaches the browser. Screenshots
 * land in test-results/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { adminHeaders, createTestUser } from '../../support/auth.js';
import { createWorld } from '../../support/fixtures.js';
import { closeDeps, createDeps, ownQueues, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { request } from '../../support/fixtures.js';
import { RANGE, seedReports } from '../reports/seed.js';

/** The SDK names itself (sentry.javascript.<sdk>) in every event it sends; a script carrying that name is Sentry's. */
const SENTRY_MARK = 'sentry.javascript.';
const filesUnder = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

const SHOTS = 'test-results/screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('Reports page (headless Chromium)', () => {
  const deps = createDeps(ownQueues());
  let api: RunningApi;
  let workers: RunningWorkers;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  /** Every script the console downloaded, with its text. */
  const scripts: Array<{ url: string; text: Promise<string> }> = [];

  beforeAll(async () => {
    if (!existsSync('web/build/index.html')) execFileSync('npm', ['run', 'build', '--workspace', 'web'], { stdio: 'ignore' });
    mkdirSync(SHOTS, { recursive: true });
    [api, workers] = await Promise.all([startApi(deps), startWorkers(deps, { queues: ['reports'] })]);
    scripts.length = 0;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('response', (r) => {
      if (r.request().resourceType() === 'script') scripts.push({ url: r.url(), text: r.text().catch(() => '') });
    });
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

  it('charts a sales and a fulfilment report from their files; schedules Mondays at 07:00, pauses, resumes, deletes', async () => {
    onTestFailed(async () => {
      await page.screenshot({ path: `${SHOTS}/failed-reports-charts.png`, fullPage: true });
      console.log(`[reports-charts] console errors: ${JSON.stringify(consoleErrors)}`);
    });
    const admin = await adminHeaders(deps);
    const world = await createWorld(api.url, admin);
    await seedReports(deps.sequelize, world as never);
    const owner = await createTestUser(deps, { role: 'owner', entityId: world.wholesaler.id });
    await page.context().clearCookies();
    await page.goto(`${api.url}/login`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();

    const requestReport = async (type: string) => {
      await page.locator('select[name="type"]').selectOption(type);
      await page.locator('input[name="from"]').fill(RANGE.from);
      await page.locator('input[name="to"]').fill(RANGE.to);
      await page.locator('input[name="timezone"]').fill('America/Denver');
      const before = await page.locator('tr[data-report]').count();
      await page.getByRole('button', { name: 'Request report' }).click();
      // The new report heads the history once the list has reloaded.
      await page.locator('tr[data-report]').nth(before).waitFor();
      const row = page.locator('tr[data-report]').first();
      await row.locator('[data-status="succeeded"]').waitFor({ timeout: 60_000 });
      return row;
    };

    // Sales over time: one bar per day, the table the same numbers as the file the API serves.
    let row = await requestReport('sales');
    const id = await row.getAttribute('data-report');
    await row.getByRole('button', { name: 'Chart' }).click();
    const sales = page.locator('section[data-chart="sales"]');
    await sales.waitFor();
    const periods = await sales.locator('tbody tr td:first-child').allTextContents();
    expect(periods.length).toBeGreaterThan(0);
    expect(periods.every((p) => p >= RANGE.from && p <= RANGE.to)).toBe(true);
    expect(await sales.locator('svg').first().locator('rect').count()).toBe(periods.length);
    const file = await request(api.url, 'GET', `/reports/${id}`, undefined, admin);
    expect(file.body.file.download_url).toBeTruthy();
    const csv = await (await fetch(`${api.url}${file.body.file.download_url}`, { headers: admin })).text();
    const units = (await sales.locator('tbody tr td:nth-child(3)').allTextContents()).reduce((n, t) => n + Number(t), 0);
    const [head, ...lines] = csv.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
    const unitsAt = head!.split(',').indexOf('units');
    // Product names hold commas and quotes; units is counted from the end of the line instead.
    const fromEnd = head!.split(',').length - unitsAt;
    expect(units).toBe(lines.reduce((n, l) => n + Number(l.split(',').at(-fromEnd)), 0));
    await page.screenshot({ path: `${SHOTS}/reports-sales-chart.png`, fullPage: true });
    await sales.getByRole('button', { name: 'Close chart' }).click();

    // Fulfilment percentiles per step.
    row = await requestReport('fulfilment_times');
    await row.getByRole('button', { name: 'Chart' }).click();
    const fulfilment = page.locator('section[data-chart="fulfilment"]');
    await fulfilment.waitFor();
    expect(await fulfilment.locator('tbody tr').count()).toBeGreaterThan(0);
    await expect(fulfilment.locator('tbody tr').first().textContent()).resolves.toMatch(/→/);
    await page.screenshot({ path: `${SHOTS}/reports-fulfilment-chart.png`, fullPage: true });

    // A schedule: Mondays at 07:00 in Europe/Berlin, then paused, resumed and deleted.
    await page.locator('input[name="schedule-name"]').fill('Monday stock');
    await page.locator('select[name="schedule-type"]').selectOption('inventory_valuation');
    await page.locator('select[name="schedule-days"]').selectOption('MON');
    await page.locator('input[name="schedule-time"]').fill('07:00');
    await page.locator('input[name="schedule-timezone"]').fill('Europe/Berlin');
    await page.locator('select[name="schedule-delivery"]').selectOption('attachment');
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    const sched = page.locator('tr[data-schedule]', { hasText: 'Monday stock' });
    await sched.waitFor();
    await expect(sched.textContent()).resolves.toContain('Mondays at 07:00');
    const sid = (await sched.getAttribute('data-schedule'))!;
    const stored = (await request(api.url, 'GET', `/report-schedules/${sid}`, undefined, admin)).body;
    expect(stored).toMatchObject({ cron: '0 7 * * MON', timezone: 'Europe/Berlin', delivery: 'attachment', paused: false, user_id: owner.id });
    await sched.getByRole('button', { name: 'Pause' }).click();
    await sched.locator('[data-paused="true"]').waitFor();
    expect((await request(api.url, 'GET', `/report-schedules/${sid}`, undefined, admin)).body.paused).toBe(true);
    await sched.getByRole('button', { name: 'Resume' }).click();
    await sched.locator('[data-paused="false"]').waitFor();
    await page.screenshot({ path: `${SHOTS}/reports-schedules.png`, fullPage: true });
    await sched.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await sched.waitFor({ state: 'detached' });
    expect((await request(api.url, 'GET', `/report-schedules/${sid}`, undefined, admin)).status).toBe(404);

    // No DSN configured: the page names none and no script the console ran is Sentry's, though
    // the build holds the SDK (in a chunk of its own, loaded only with a DSN).
    expect(await page.locator('#trellis-console-config').count()).toBe(0);
    expect(scripts.length).toBeGreaterThan(0);
    const loaded = await Promise.all(scripts.map(async (x) => ({ url: x.url, sentry: (await x.text).includes(SENTRY_MARK) })));
    expect(loaded.filter((x) => x.sentry).map((x) => x.url)).toEqual([]);
    expect(filesUnder('web/build/_app').some((f) => f.endsWith('.js') && readFileSync(f, 'utf8').includes(SENTRY_MARK))).toBe(true);
    expect(consoleErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  }, 240_000);
});
