/**
 * The dashboard's workflow backlog panel in real headless Chromium against the real API and
 * Temporal, on task queues of this file's own: with nothing running or retrying on any queue it
 * says so in words (an all-zero chart was an empty box); once a workflow waits on a queue, the
 * chart of running workflows per queue is back.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalSettings } from '../../../temporal.config.js';
import { createTestUser } from '../../support/auth.js';
import { closeDeps, createDeps, ownQueues, startApi, temporalClient, type RunningApi } from '../../support/harness.js';
import { signIn } from '../../support/consoleSignIn.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('dashboard: workflow backlog by queue (headless Chromium)', () => {
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let client: Client;
  let browser: Browser;
  let page: Page;
  const started: string[] = [];

  beforeAll(async () => {
    if (!existsSync('web/build/index.html')) execFileSync('npm', ['run', 'build', '--workspace', 'web'], { stdio: 'ignore' });
    // No worker polls these queues: a workflow started on one stays running (the backlog).
    deps = createDeps(ownQueues());
    api = await startApi(deps);
    client = await temporalClient(deps.config);
    const admin = await createTestUser(deps, { role: 'admin', mfa: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await (await browser.newContext()).newPage();
    await signIn(page, api.url, admin, { landing: { name: 'Dashboard', level: 1 } });
  }, 120_000);

  afterAll(async () => {
    for (const id of started) await client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    await browser?.close();
    await client?.connection.close();
    await api?.close();
    if (deps) await closeDeps(deps);
  });

  const panel = () => page.getByRole('region', { name: 'Workflow backlog by queue' });

  it('says there is no backlog when nothing runs or retries on any queue, and still lists the queues', async () => {
    await page.goto(`${api.url}/`);
    await expect.poll(() => panel().getByTestId('no-backlog').isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await panel().getByTestId('no-backlog').textContent()).toMatch(/No backlog/);
    expect(await panel().getByRole('img', { name: 'Running workflows per queue' }).count()).toBe(0);
    // The per-queue table (with its links into the lists) stays.
    expect(await panel().locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await panel().locator('tbody tr').first().locator('td').nth(1).textContent()).toBe('0');
  });

  it('shows the running-per-queue chart once a workflow waits on a queue', async () => {
    const id = `backlog-probe-${Date.now()}`;
    await client.workflow.start('backlogProbe', { workflowId: id, taskQueue: temporalSettings(deps.config).taskQueues.orders, args: [] });
    started.push(id);
    // Visibility is eventually consistent: reload until the dashboard counts it.
    await expect
      .poll(
        async () => {
          await page.goto(`${api.url}/`);
          await panel().getByRole('table').waitFor();
          return panel().getByRole('img', { name: 'Running workflows per queue' }).count();
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(1);
    expect(await panel().getByTestId('no-backlog').count()).toBe(0);
  });
});
