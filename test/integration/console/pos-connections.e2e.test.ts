/**
 * POS connections page in real headless Chromium: an operator adds a Dutchie connection for a
 * retailer's store (to the in-process Dutchie sandbox: only staff may set a base URL), tests it, runs it now and sees the first sync succeed, edits
 * its schedule, pauses it and deletes it. The credentials never come back to the page.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import type { RunningSandbox } from '../../../sandboxes/pos/support/serve.js';
import { adminHeaders, createTestUser } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { signIn } from '../../support/consoleSignIn.js';
import { allowPosHost, credentialsFor, until } from '../pos/helpers.js';

const SHOTS = 'test-results/screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('POS connections page: add, test, run, edit, pause, delete (headless Chromium)', () => {
  const deps = createDeps();
  let api: RunningApi;
  let workers: RunningWorkers;
  let sandbox: RunningSandbox;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const bodies: string[] = [];

  beforeAll(async () => {
    if (!existsSync('web/build/index.html')) execFileSync('npm', ['run', 'build', '--workspace', 'web'], { stdio: 'ignore' });
    mkdirSync(SHOTS, { recursive: true });
    [api, workers, sandbox] = await Promise.all([startApi(deps), startWorkers(deps, { queues: ['sync'] }), createDutchieSandbox({ items: 40, sales: 0 }).start(0)]);
    allowPosHost(deps, sandbox.url);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('response', async (r) => {
      if (r.url().includes('/api/v1/pos-connections')) bodies.push(await r.text().catch(() => ''));
    });
  });
  afterAll(async () => {
    await browser?.close();
    await workers?.stop();
    await sandbox?.close();
    await api?.close();
    await closeDeps(deps);
  });

  it('an operator adds a Dutchie connection paused, tests it, resumes it, runs the first sync, edits, pauses and deletes it', async () => {
    onTestFailed(async () => {
      await page.screenshot({ path: `${SHOTS}/failed-pos-connections.png`, fullPage: true });
    });
    const world = await createWorld(api.url, await adminHeaders(deps));
    const operator = await createTestUser(deps, { role: 'operator', mfa: true });
    await signIn(page, api.url, operator);

    await page.getByRole('link', { name: 'POS connections' }).click();
    await page.getByRole('heading', { name: 'POS connections', level: 1 }).waitFor();
    const name = `Front store ${world.tag}`;
    const creds = credentialsFor('dutchie');
    const add = page.getByRole('region', { name: 'Add a connection' });
    await add.getByLabel('Entity id').fill(world.retailer.id);
    await add.getByLabel('Entity id').blur();
    await add.getByLabel('Premises').locator('option', { hasText: world.store.license_number }).waitFor({ state: 'attached' });
    await add.getByLabel('Premises').selectOption({ label: `Store (${world.store.license_number})` });
    await add.getByLabel('Vendor').selectOption('dutchie');
    await add.getByLabel('Name').fill(name);
    await add.getByLabel('Location key').fill(creds.location_key!);
    await add.getByLabel('Integrator key (optional)').fill(creds.integrator_key!);
    await add.getByLabel('Base URL (optional)').fill(sandbox.url);
    await add.getByLabel('Every (minutes)').fill('60');
    await add.getByLabel('Start paused').check();
    await add.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('status').filter({ hasText: `Connection “${name}” added (paused)` }).waitFor();

    const row = page.getByRole('region', { name: 'Connections' }).getByRole('row').filter({ hasText: name });
    await row.getByText('60 min').waitFor();
    await row.getByRole('button', { name: 'Test' }).click();
    await page.getByRole('status').filter({ hasText: 'Test passed' }).waitFor();

    // A paused connection offers no "Run now" (the API refuses it); resume first.
    expect(await row.getByRole('button', { name: 'Run now' }).count()).toBe(0);
    await row.getByRole('button', { name: 'Resume' }).click();
    await row.getByRole('button', { name: 'Pause' }).waitFor();
    await row.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('status').filter({ hasText: 'Run started' }).waitFor();
    const list = await request(api.url, 'GET', `/pos-connections?entity_id=${world.retailer.id}`, undefined, await adminHeaders(deps));
    const id = (list.body.data as Array<{ id: string; name: string }>).find((c) => c.name === name)!.id;
    const run = await until(async () => {
      const r = await request(api.url, 'GET', `/sync-runs?connection_id=${id}`, undefined, await adminHeaders(deps));
      const first = r.body.data?.[0];
      return first && first.status !== 'running' && first.status !== 'queued' && first.status !== 'pending' ? first : undefined;
    }, 90_000, 'the first sync run');
    expect(run.status).toBe('succeeded');
    await page.screenshot({ path: `${SHOTS}/80-pos-connection-synced.png`, fullPage: true });

    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('region', { name: /^Edit/ });
    await edit.getByLabel('Every (minutes)').fill('30');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await row.getByText('30 min').waitFor();

    await row.getByRole('button', { name: 'Pause' }).click();
    await row.getByRole('button', { name: 'Resume' }).waitFor();
    await row.locator('.badge', { hasText: 'paused' }).waitFor();

    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('status').filter({ hasText: 'deleted' }).waitFor();
    await expect.poll(() => row.count()).toBe(0);
    expect((await request(api.url, 'GET', `/pos-connections/${id}`, undefined, await adminHeaders(deps))).status).toBe(404);

    for (const b of bodies) {
      expect(b).not.toContain(creds.location_key);
      expect(b).not.toContain(creds.integrator_key);
    }
    expect(pageErrors).toEqual([]);
  });
});
