/**
 * Syncs page in real headless Chromium: an operator presses "Run now" on a connection to an
 * in-process Dutchie sandbox with a large, slow-to-serve catalogue and watches the run's progress
 * bar appear and reach done. Screenshots land in test-results/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import type { RunningSandbox } from '../../../sandboxes/pos/support/serve.js';
import { adminHeaders, createTestUser } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { signIn } from '../../support/consoleSignIn.js';
import { allowPosHost, connect } from '../pos/helpers.js';

const SHOTS = 'test-results/screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ITEMS = 20_000;

describe('Syncs page: run now and watch the progress bar (headless Chromium)', () => {
  const deps = createDeps();
  let api: RunningApi;
  let workers: RunningWorkers;
  let sandbox: RunningSandbox;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync('web/build/index.html')) execFileSync('npm', ['run', 'build', '--workspace', 'web'], { stdio: 'ignore' });
    mkdirSync(SHOTS, { recursive: true });
    // Every vendor answer waits 1.5 s, so the run stays visibly in flight for a few seconds.
    [api, workers, sandbox] = await Promise.all([
      startApi(deps),
      startWorkers(deps, { queues: ['sync'] }),
      createDutchieSandbox({ items: ITEMS, sales: 0, faults: { slowMs: 1500 } }).start(0),
    ]);
    allowPosHost(deps, sandbox.url);
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
    await sandbox?.close();
    await api?.close();
    await closeDeps(deps);
  });

  it('an operator runs a sync now and sees its progress bar reach done', async () => {
    onTestFailed(async () => {
      await page.screenshot({ path: `${SHOTS}/failed-sync-run-now.png`, fullPage: true });
    });
    const headers = await adminHeaders(deps);
    const name = `E2E front store ${Date.now()}`;
    const { connection } = await connect(api.url, headers, 'dutchie', sandbox.url, { paused: false, name });
    const id = connection.id as string;

    // Operators must pass a second factor like admins (domain/policy.ts MFA_REQUIRED_ROLES).
    const operator = await createTestUser(deps, { role: 'operator' });
    await signIn(page, api.url, operator);

    await page.goto(`${api.url}/syncs`);
    await page.getByRole('heading', { name: 'POS syncs', level: 1 }).waitFor();
    const row = page.getByRole('region', { name: 'Connections' }).getByRole('row').filter({ hasText: name });
    await row.waitFor();
    await page.screenshot({ path: `${SHOTS}/50-syncs-before-run.png`, fullPage: true });

    await row.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('status').filter({ hasText: 'Run started' }).waitFor();

    // The run shows up while still in flight, with a live progress bar. Other test files may have
    // left runs of their own connections in this database, so find ours by its connection.
    let runId: string | undefined;
    for (let i = 0; i < 120 && !runId; i++) {
      const runs = await request(api.url, 'GET', `/sync-runs?connection_id=${id}`, undefined, headers);
      runId = runs.body?.data?.[0]?.id as string | undefined;
      if (!runId) await new Promise((r) => setTimeout(r, 250));
    }
    expect(runId).toBeTruthy();
    const running = page.getByRole('region', { name: 'Running now' });
    const bar = running.locator(`[data-testid="active-run"][data-run="${runId}"]`).getByRole('progressbar');
    await bar.waitFor({ timeout: 60_000 });
    const early = Number((await bar.getAttribute('aria-valuenow')) ?? 0);
    expect(early).toBeLessThan(100);
    await page.screenshot({ path: `${SHOTS}/51-sync-running.png`, fullPage: true });

    // ...that reaches 100 % and says done, without reloading the page.
    const done = running.locator(`[data-testid="active-run"][data-run="${runId}"]`);
    await done.getByText('100% · done').waitFor({ timeout: 120_000 });
    expect(await done.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    await done.locator('.badge', { hasText: 'succeeded' }).waitFor();

    // Run history agrees: the row for this run succeeded with the whole catalogue fetched.
    const history = page.getByRole('region', { name: 'Run history' }).getByRole('row').filter({ hasText: runId!.slice(0, 8) });
    await history.locator('.badge', { hasText: 'succeeded' }).waitFor();
    expect(await history.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    await history.getByRole('cell', { name: ITEMS.toLocaleString('en-US') }).or(history.getByRole('cell', { name: String(ITEMS), exact: true })).first().waitFor();
    await page.screenshot({ path: `${SHOTS}/52-sync-done.png`, fullPage: true });

    // The API saw the same run: triggered through the connection's schedule, succeeded, counted.
    const run = (await request(api.url, 'GET', `/sync-runs/${runId}`, undefined, headers)).body;
    expect(run).toMatchObject({ id: runId, connection_id: id, status: 'succeeded', counts: { fetched: ITEMS, created: ITEMS, item_errors: 0 } });
    expect(run.workflow_id).toMatch(new RegExp(`^pos-sync:${id}`));
  });

  it('logged no script errors', () => {
    expect(consoleErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
