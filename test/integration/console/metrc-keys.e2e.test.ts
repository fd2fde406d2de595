/**
 * METRC keys page in real headless Chromium against the in-process METRC sandbox: an owner stores
 * the licence's key, tests it (working), stores a key METRC refuses, tests again and sees it
 * failing with METRC's message. The key never comes back to the page.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { DEMO_USER_KEY } from '../../../sandboxes/metrc/demo-data.js';
import { adminHeaders, createTestUser } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { metrcOverrides, startSandbox, WHOLESALERS, type SandboxHandle } from '../metrc/helpers.js';

const SHOTS = 'test-results/screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LICENSE = WHOLESALERS[0]!;

describe('METRC keys page (headless Chromium, METRC sandbox)', () => {
  let sandbox: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const bodies: string[] = [];

  beforeAll(async () => {
    if (!existsSync('web/build/index.html')) execFileSync('npm', ['run', 'build', '--workspace', 'web'], { stdio: 'ignore' });
    mkdirSync(SHOTS, { recursive: true });
    sandbox = await startSandbox();
    deps = createDeps(metrcOverrides(sandbox.running.url));
    api = await startApi(deps);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('response', async (r) => {
      if (r.url().includes('/api/v1/metrc-credentials')) bodies.push(await r.text().catch(() => ''));
    });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    // The test ends with a refused key stored for a sandbox licence that later test files submit
    // for with the default key: leave the licence as it found it.
    if (deps) await deps.sequelize.query('DELETE FROM metrc_credentials WHERE license_number = ?', { replacements: [LICENSE] });
    if (deps) await closeDeps(deps);
    await sandbox?.running.close();
  });

  it('an owner stores a key, tests it, and sees a refused key as failing with what METRC said', async () => {
    onTestFailed(async () => {
      await page.screenshot({ path: `${SHOTS}/failed-metrc-keys.png`, fullPage: true });
    });
    const admin = await adminHeaders(deps);
    // The sandbox licence may already be registered by another test file in this run.
    const [held] = await deps.sequelize.query('SELECT id FROM entities WHERE license_number = ? UNION SELECT entity_id FROM locations WHERE license_number = ?', { replacements: [LICENSE, LICENSE] });
    let entityId = (held as Array<{ id: string }>)[0]?.id;
    if (!entityId) {
      const e = await request(api.url, 'POST', '/entities', { type: 'wholesaler', name: `Sandbox Wholesale ${randomUUID().slice(0, 6)}`, license_number: LICENSE, license_state: 'CO', license_type: 'Wholesale' }, admin);
      entityId = e.body.id as string;
    }
    const owner = await createTestUser(deps, { role: 'owner', entityId });
    await page.goto(`${api.url}/login`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    await page.getByRole('link', { name: 'METRC keys' }).click();
    await page.getByRole('heading', { name: 'METRC keys', level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: LICENSE, exact: true }) });
    await row.getByLabel(`New METRC user key for ${LICENSE}`).fill(DEMO_USER_KEY);
    await row.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: `Key ending in ${DEMO_USER_KEY.slice(-4)} stored` }).waitFor();
    await row.locator('.badge', { hasText: 'untested' }).waitFor();
    await row.getByRole('button', { name: 'Test' }).click();
    await page.getByRole('status').filter({ hasText: 'METRC accepted the key' }).waitFor();
    await row.locator('.badge', { hasText: 'working' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/70-metrc-key-working.png`, fullPage: true });

    const refused = `refused-${randomUUID()}`;
    await row.getByLabel(`New METRC user key for ${LICENSE}`).fill(refused);
    await row.getByRole('button', { name: 'Save' }).click();
    await row.locator('.badge', { hasText: 'untested' }).waitFor();
    await row.getByRole('button', { name: 'Test' }).click();
    await page.getByRole('alert').filter({ hasText: /unauthorized/i }).waitFor();
    await row.locator('.badge', { hasText: 'failing' }).waitFor();
    await row.getByText(/unauthorized/i).first().waitFor();
    await page.screenshot({ path: `${SHOTS}/71-metrc-key-failing.png`, fullPage: true });

    expect(bodies.length).toBeGreaterThan(3);
    for (const b of bodies) {
      expect(b).not.toContain(DEMO_USER_KEY);
      expect(b).not.toContain(refused);
    }
    expect(pageErrors).toEqual([]);
  });
});
