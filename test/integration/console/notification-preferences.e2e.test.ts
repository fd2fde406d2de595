/**
 * Notification preferences on the settings page, in real headless Chromium (issue 16): a
 * compliance user turns a channel off, sets a phone, quiet hours and the hourly digest, saves,
 * reloads, and finds every choice as they left it; the API (the other way in) agrees. A phone
 * number that is not one is refused on the page with the server's 422 naming it, nothing saved.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createTestSession, createTestUser } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { signIn } from '../../support/consoleSignIn.js';

const SHOTS = 'test-results/screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('notification preferences on the settings page (headless Chromium)', () => {
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync('web/build/index.html')) execFileSync('npm', ['run', 'build', '--workspace', 'web'], { stdio: 'ignore' });
    mkdirSync(SHOTS, { recursive: true });
    deps = createDeps({});
    api = await startApi(deps);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    if (deps) await closeDeps(deps);
  });

  it('channels, phone, quiet hours and digest survive a reload; a bad phone is refused naming it', async () => {
    onTestFailed(async () => {
      await page.screenshot({ path: `${SHOTS}/failed-notification-preferences.png`, fullPage: true });
    });
    const staff = await createTestUser(deps, { role: 'compliance', mfa: true });
    await signIn(page, api.url, staff);

    await page.goto(`${api.url}/settings`);
    const form = page.getByRole('form', { name: 'Notification preferences' });
    await form.waitFor();
    const box = (what: string) => form.getByRole('checkbox', { name: what, exact: true });
    // Defaults: every channel on, no phone, no quiet hours, one message per event.
    expect(await box('Orders by Email').isChecked()).toBe(true);
    expect(await box('METRC / compliance by SMS').isChecked()).toBe(true);
    expect(await form.getByLabel('Non-urgent email').inputValue()).toBe('immediate');
    await page.screenshot({ path: `${SHOTS}/90-preferences-defaults.png`, fullPage: true });

    // A phone number that is not E.164: the server's 422 is shown, nothing is saved.
    await form.getByLabel('Phone for SMS (E.164)').fill('303-555-0100');
    await form.getByRole('button', { name: 'Save' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/phone/i);
    await page.screenshot({ path: `${SHOTS}/91-preferences-bad-phone.png`, fullPage: true });
    const me = { authorization: `Bearer ${await createTestSession(deps, staff.id)}` };
    expect((await request(api.url, 'GET', '/auth/me/notification-preferences', undefined, me)).body.phone).toBeNull();

    await box('Orders by Email').uncheck();
    await box('POS connections by In the console').uncheck();
    await form.getByLabel('Phone for SMS (E.164)').fill('+13035550100');
    await form.getByRole('checkbox', { name: /Quiet hours/ }).check();
    await form.getByLabel('From').fill('21:30');
    await form.getByLabel('To').fill('06:45');
    await form.getByLabel('Time zone').fill('America/Denver');
    await form.getByLabel('Non-urgent email').selectOption('hourly');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await alert.count()).toBe(0);

    await page.reload();
    await form.waitFor();
    expect(await box('Orders by Email').isChecked()).toBe(false);
    expect(await box('POS connections by In the console').isChecked()).toBe(false);
    expect(await box('Orders by SMS').isChecked()).toBe(true);
    expect(await box('METRC / compliance by Email').isChecked()).toBe(true);
    expect(await form.getByLabel('Phone for SMS (E.164)').inputValue()).toBe('+13035550100');
    expect(await form.getByRole('checkbox', { name: /Quiet hours/ }).isChecked()).toBe(true);
    expect(await form.getByLabel('From').inputValue()).toBe('21:30');
    expect(await form.getByLabel('To').inputValue()).toBe('06:45');
    expect(await form.getByLabel('Time zone').inputValue()).toBe('America/Denver');
    expect(await form.getByLabel('Non-urgent email').inputValue()).toBe('hourly');
    await page.screenshot({ path: `${SHOTS}/92-preferences-after-reload.png`, fullPage: true });

    // The API reads back what the page saved.
    const saved = await request(api.url, 'GET', '/auth/me/notification-preferences', undefined, me);
    expect(saved.body).toMatchObject({
      channels: { orders: { email: false }, pos: { in_app: false } },
      quiet_hours: { start: '21:30', end: '06:45', timezone: 'America/Denver' },
      digest: 'hourly',
      phone: '+13035550100',
    });

    // Quiet hours off again: saved as none, and still none after a reload.
    await form.getByRole('checkbox', { name: /Quiet hours/ }).uncheck();
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.reload();
    await form.waitFor();
    expect(await form.getByRole('checkbox', { name: /Quiet hours/ }).isChecked()).toBe(false);
    expect((await request(api.url, 'GET', '/auth/me/notification-preferences', undefined, me)).body.quiet_hours).toBeNull();
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
