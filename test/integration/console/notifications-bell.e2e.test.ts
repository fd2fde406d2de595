/**
 * The notification bell in real headless Chromium (issue 16): a METRC submission that METRC
 * refuses (validation, so dead-lettered at once) produces, for a compliance user signed in with
 * TOTP, a bell count that turns up live from the events socket (no reload) and an email in a real
 * in-process SMTP server (the mail catcher). Choosing the bell's item opens the submission and
 * marks it read; the /notifications page lists it as read.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startMailCatcher, type MailCatcher } from '../../../sandboxes/mail/catcher.js';
import { adminHeaders, createTestUser } from '../../support/auth.js';
import { closeDeps, createDeps, startApi, startWorkers, type RunningApi, type RunningWorkers, ownQueues } from '../../support/harness.js';
import { signIn } from '../../support/consoleSignIn.js';
import { createSubmission, eachPackages, metrcOverrides, receiptPayload, RETAILERS, startSandbox, until, WHOLESALERS, type SandboxHandle } from '../metrc/helpers.js';

const SHOTS = 'test-results/screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('notification bell (headless Chromium, METRC sandbox, SMTP catcher)', () => {
  let sb: SandboxHandle;
  let catcher: MailCatcher;
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
    catcher = await startMailCatcher({ httpPort: null });
    deps = createDeps(metrcOverrides(sb.running.url, { ...ownQueues(), SMTP_HOST: '127.0.0.1', SMTP_PORT: String(catcher.smtpPort), SMTP_SEND_TIMEOUT: '2s', PUBLIC_URL: 'https://console.trellis.test' }));
    api = await startApi(deps);
    workers = await startWorkers(deps, { queues: ['compliance', 'notifications'] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await workers?.stop();
    await api?.close();
    if (deps) await closeDeps(deps);
    await sb?.running.close();
    await catcher?.stop();
  });

  it('a dead-lettered METRC submission rings the bell of a signed-in compliance user, emails them, and the bell opens the submission', async () => {
    onTestFailed(async () => {
      await page.screenshot({ path: `${SHOTS}/failed-notifications-bell.png`, fullPage: true });
    });
    const staff = await createTestUser(deps, { role: 'compliance', mfa: true });
    await signIn(page, api.url, staff);
    const bell = page.getByRole('button', { name: /^Notifications, \d+ unread$/ });
    await page.getByRole('button', { name: 'Notifications, 0 unread' }).waitFor();
    await page.getByText('Updates: live').waitFor(); // the events socket is open

    // A wholesaler's package on a retailer's receipt: METRC answers 400, the submission dead-letters at once.
    const license = RETAILERS[0]!;
    const created = await createSubmission(api.url, await adminHeaders(deps), 'sales_receipt', license, receiptPayload(eachPackages(WHOLESALERS[0]!)[0]!.label));

    // Live: the page is not reloaded; the pushed notification.created refreshes the count.
    // Under the live store's 30 s poll, so only the push can satisfy it.
    await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${SHOTS}/80-bell-unread.png`, fullPage: true });

    const mail = await until('the email to the compliance user', async () =>
      catcher.messages().find((m) => m.to.includes(staff.email) && m.raw.includes('X-Trellis-Event: metrc.dead_lettered') && m.text?.includes(license)),
    60_000);
    expect(mail.subject).toBe(`METRC submission failed (sales_receipt, ${license})`);

    await bell.click();
    const item = page.getByRole('menuitem', { name: new RegExp(`METRC submission failed \\(sales_receipt, ${license}\\)`) });
    await item.waitFor();
    await page.screenshot({ path: `${SHOTS}/81-bell-open.png`, fullPage: true });
    await item.click();
    await page.waitForURL(`**/compliance/${created.id}`);
    await page.getByRole('heading', { name: new RegExp(`METRC sales receipt ${created.id.slice(0, 8)}`) }).waitFor();
    await page.getByRole('button', { name: 'Notifications, 0 unread' }).waitFor(); // opening it marked it read
    await page.screenshot({ path: `${SHOTS}/82-bell-opened-submission.png`, fullPage: true });

    await page.goto(`${api.url}/notifications`);
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    const row = page.locator(`tr[data-notification]`).filter({ hasText: `METRC submission failed (sales_receipt, ${license})` });
    await row.waitFor();
    expect(await row.getByRole('button', { name: 'Mark read' }).count()).toBe(0);
    await page.getByText('0 unread').waitFor();
    await page.screenshot({ path: `${SHOTS}/83-notifications-page.png`, fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
