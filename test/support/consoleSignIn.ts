/**
 * Signing a user into the web console through its login page in a browser test (Playwright): the
 * password, then the second factor from the user's TOTP secret, then the page the console lands on.
 *
 *   await signIn(page, api.url, user)                                             lands on the Dashboard
 *   await signIn(page, api.url, user, { landing: { name: 'Dashboard', level: 1 } })   a stricter landing heading
 */
import { authenticator } from 'otplib';
import type { Page } from 'playwright-core';
import type { TestUser } from './auth.js';

export interface SignInOptions {
  /** The heading to wait for once signed in (default: a 'Dashboard' heading of any level). */
  landing?: { name: string; level?: number };
}

/** `user` must have a TOTP secret (createTestUser with `mfa: true`, or a role that requires it). */
export async function signIn(page: Page, baseUrl: string, user: TestUser, opts: SignInOptions = {}): Promise<void> {
  if (!user.totpSecret) throw new Error(`signIn: ${user.email} has no TOTP secret (create the user with mfa: true)`);
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  await page.getByLabel('Code').fill(authenticator.generate(user.totpSecret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('heading', opts.landing ?? { name: 'Dashboard' }).waitFor();
}
