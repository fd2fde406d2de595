/**
 * Users page in real headless Chromium: an entity owner invites a member, the link is shown once,
 * the invitee opens it in another browser, is refused a weak password with the rule's message,
 * sets a good one and signs in; the owner then deactivates them. Screenshots in
 * test-results/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { adminHeaders, createTestUser } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

const SHOTS = 'test-results/screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('Users page: invite, set password, sign in, deactivate (headless Chromium)', () => {
  const deps = createDeps();
  let api: RunningApi;
  let browser: Browser;
  let owner: Page;
  const consoleErrors: string[] = [];

  const signIn = async (page: Page, email: string, password: string) => {
    await page.goto(`${api.url}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  };

  beforeAll(async () => {
    if (!existsSync('web/build/index.html')) execFileSync('npm', ['run', 'build', '--workspace', 'web'], { stdio: 'ignore' });
    mkdirSync(SHOTS, { recursive: true });
    api = await startApi(deps);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    owner = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    owner.on('pageerror', (e) => consoleErrors.push(String(e)));
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await closeDeps(deps);
  });

  it('an owner invites a member who sets a password and signs in; the owner deactivates them', async () => {
    onTestFailed(async () => {
      await owner.screenshot({ path: `${SHOTS}/failed-users.png`, fullPage: true });
    });
    const world = await createWorld(api.url, await adminHeaders(deps));
    const o = await createTestUser(deps, { role: 'owner', entityId: world.wholesaler.id });
    await signIn(owner, o.email, o.password);

    await owner.getByRole('link', { name: 'Users' }).click();
    await owner.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    const email = `new.member.${randomUUID().slice(0, 8)}@example.test`;
    const invite = owner.getByRole('region', { name: 'Invite someone' });
    await invite.getByLabel('Email').fill(email);
    await invite.getByLabel('Name').fill('New Member');
    await invite.getByLabel('Role').selectOption('member');
    await invite.getByRole('button', { name: 'Invite' }).click();
    const linkBox = owner.getByRole('textbox', { name: 'Set-password link', exact: true });
    await linkBox.waitFor();
    const link = await linkBox.inputValue();
    expect(link).toMatch(/\/set-password#token=tri_/);
    await owner.screenshot({ path: `${SHOTS}/60-users-invited.png`, fullPage: true });
    const row = owner.getByRole('row').filter({ hasText: email });
    await row.locator('.badge', { hasText: 'invited' }).waitFor();

    // The invitee, in a browser of their own. PUBLIC_URL is the default here: open the same path on the test server.
    const invitee = await browser.newPage();
    await invitee.goto(`${api.url}${new URL(link).pathname}${new URL(link).hash}`);
    await invitee.getByRole('heading', { name: 'Choose a password' }).waitFor();
    expect(invitee.url()).not.toContain('token='); // taken out of the address bar once read
    // Long enough for the browser's own check, refused by the server's rules.
    await invitee.getByLabel('New password').fill('aaaaaaaaaaaabbbb');
    await invitee.getByLabel('Again').fill('aaaaaaaaaaaabbbb');
    await invitee.getByRole('button', { name: 'Set password' }).click();
    await invitee.getByRole('alert').filter({ hasText: 'at least 5 different characters' }).waitFor();
    await invitee.getByLabel('New password').fill('juniper-harbor-lantern-8');
    await invitee.getByLabel('Again').fill('juniper-harbor-lantern-8');
    await invitee.getByRole('button', { name: 'Set password' }).click();
    await invitee.getByText('Your password is set.').waitFor();
    await invitee.screenshot({ path: `${SHOTS}/61-users-password-set.png`, fullPage: true });
    await invitee.getByRole('link', { name: 'Sign in' }).click();
    await invitee.getByLabel('Email').fill(email);
    await invitee.getByLabel('Password').fill('juniper-harbor-lantern-8');
    await invitee.getByRole('button', { name: 'Sign in' }).click();
    await invitee.getByRole('heading', { name: 'Dashboard' }).waitFor();

    // Back with the owner: the member is active now; deactivate them through the dialog.
    await owner.getByRole('button', { name: 'Apply' }).click();
    await row.locator('.badge', { hasText: 'active' }).waitFor();
    await row.getByRole('button', { name: 'Deactivate' }).click();
    await owner.getByRole('dialog').getByRole('button', { name: 'Deactivate' }).click();
    await row.locator('.badge', { hasText: 'disabled' }).waitFor();
    await owner.screenshot({ path: `${SHOTS}/62-users-deactivated.png`, fullPage: true });

    const [u] = (await deps.sequelize.query('SELECT disabled_at, invitation_pending FROM users WHERE email = ?', { replacements: [email] }))[0] as Array<Record<string, unknown>>;
    expect(u!.disabled_at).not.toBeNull();
    expect(Number(u!.invitation_pending)).toBe(0);
    // The invitee's session died with the deactivation.
    const me = await invitee.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
    expect(me).toBe(401);
    expect((await request(api.url, 'GET', '/users?limit=200', undefined, {})).status).toBe(401);
    expect(consoleErrors).toEqual([]);
  });
});
