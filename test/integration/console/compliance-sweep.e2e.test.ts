/**
 * The compliance pages in real headless Chromium (issue 23): a receipt whose first answer was lost
 * is adopted, a duplicate appears in the METRC sandbox later and the sweep voids it; compliance
 * staff see "duplicate found and repaired" with the sweep's note on the submission and a badge in
 * the list, and can filter the list by the parked status.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { MetrcClient } from '../../../integrations/metrc/index.js';
import { DEMO_USER_KEY, DEMO_VENDOR_KEY } from '../../../sandboxes/metrc/index.js';
import { adminHeaders, createTestUser } from '../../support/auth.js';
import { closeDeps, createDeps, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { signIn } from '../../support/consoleSignIn.js';
import { createSubmission, eachPackages, metrcOverrides, receiptPayload, RETAILERS, startSandbox, until, type SandboxHandle } from '../metrc/helpers.js';

const SHOTS = 'test-results/screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('compliance pages show the duplicate sweep (headless Chromium, METRC sandbox)', () => {
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
    deps = createDeps(metrcOverrides(sb.running.url, { METRC_SWEEP_DELAYS: '2s' }));
    api = await startApi(deps);
    workers = await startWorkers(deps, { queues: ['compliance'] });
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

  it('a repaired duplicate shows on the submission and in the list', async () => {
    onTestFailed(async () => {
      await page.screenshot({ path: `${SHOTS}/failed-compliance-sweep.png`, fullPage: true });
    });
    const license = RETAILERS[0]!;
    const payload = receiptPayload(eachPackages(license)[5]!.label);
    await sb.faults({ dropResponseRate: 1, methods: ['POST'], pathPrefix: '/sales/v2/receipts', remaining: 1 });
    const { id } = await createSubmission(api.url, await adminHeaders(deps), 'sales_receipt', license, payload);
    await until('adopted', async () => {
      const [rows] = await deps.sequelize.query('SELECT status FROM metrc_submissions WHERE id = ?', { replacements: [id] });
      return (rows as { status: string }[])[0]?.status === 'succeeded' ? true : undefined;
    }, 30_000);
    const metrc = new MetrcClient({ baseUrl: sb.running.url, vendorKey: DEMO_VENDOR_KEY, userKey: DEMO_USER_KEY, timeoutMs: 5000 });
    await metrc.createReceipts(license, [payload as never]);
    await until('repaired', async () => {
      const [rows] = await deps.sequelize.query('SELECT duplicates_repaired FROM metrc_submissions WHERE id = ?', { replacements: [id] });
      return Number((rows as { duplicates_repaired: number }[])[0]?.duplicates_repaired) > 0 ? true : undefined;
    }, 30_000);

    const staff = await createTestUser(deps, { role: 'compliance', mfa: true });
    await signIn(page, api.url, staff);

    await page.goto(`${api.url}/compliance/${id}`);
    const note = page.getByTestId('duplicate-repaired');
    await note.waitFor();
    expect(await note.textContent()).toMatch(/duplicate found and repaired.*voided duplicate receipt \d+/s);
    await page.screenshot({ path: `${SHOTS}/32-compliance-duplicate-repaired.png`, fullPage: true });

    await page.goto(`${api.url}/compliance`);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: id.slice(0, 8) }) });
    await row.locator('.badge', { hasText: 'duplicate repaired' }).waitFor();
    // Parked submissions (waiting for a working key) are a status of their own to filter by.
    await page.getByLabel('Status').selectOption('parked');
    await page.getByRole('button', { name: 'Apply' }).click();
    // Other files may have left parked submissions in the shared test database: the filtered list
    // holds those only (or none), never ours, which succeeded.
    const submissions = page.getByRole('region', { name: 'METRC submissions' });
    await expect.poll(async () => submissions.getByRole('link', { name: id.slice(0, 8) }).count(), { timeout: 15_000 }).toBe(0);
    const statuses = (await submissions.locator('tbody .badge').allTextContents()).map((s) => s.trim());
    expect(statuses.filter((s) => s !== 'parked')).toEqual([]);
    if (statuses.length === 0) await submissions.getByText('No submissions.').waitFor();
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
