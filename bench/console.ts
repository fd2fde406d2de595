/**
 * Console budget check: gzip JavaScript each route loads and its first render time in headless
 * Chromium on localhost. Targets: ≤ 100 KB gzip per route, ≤ 1 s first render.
 *
 * The built console (web/build) is served by the real console router (api/console.ts); the API
 * is a stub answering a signed-in admin and empty lists, so the figures are the console's own
 * cost, not the database's. The baseline is a static page with one heading served by the same
 * server in the same browser, and every render time is printed as a ratio to it.
 *
 *   npm run bench:console            (builds the console first when web/build is missing)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { chromium } from 'playwright-core';
import { consoleRoutes } from '../api/console.js';

const ROUTES = ['/', '/orders', '/workflows', '/syncs', '/compliance', '/inventory', '/audit', '/settings', '/login'];
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BUDGET_KB = 100;
const BUDGET_MS = 1000;

if (!existsSync('web/build/index.html')) execFileSync('npm', ['run', 'build', '--workspace', 'web'], { stdio: 'inherit' });

const empty = { data: [], pagination: { page: 1, limit: 50, total: 0, total_pages: 0 } };
const app = express();
app.get('/baseline', (_req, res) => {
  res.type('html').send('<!doctype html><html><head><title>b</title></head><body><main><h1>Baseline</h1></main></body></html>');
});
app.get('/api/v1/auth/me', (_req, res) => {
  res.json({
    user: { id: 'u', email: 'bench@trellis.local', name: 'Bench', role: 'admin', entity_id: null, entity_role: null },
    role: 'admin',
    entity: null,
    mfa: { enabled: true, verified: true },
    permissions: ['*'],
  });
});
app.get('/api/v1/dashboard/summary', (_req, res) => {
  res.json({ generated_at: new Date().toISOString(), orders: { by_status: {}, per_day: [] }, workflows: [] });
});
app.get(/^\/api\/v1\/.*/, (_req, res) => {
  res.json(empty);
});
app.use(consoleRoutes());
const server = createServer(app);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

/** ms from navigation start until the page's first heading is visible; fresh context = cold cache. */
async function firstRender(path: string): Promise<{ ms: number; js: Set<string> }> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const js = new Set<string>();
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (u.pathname.endsWith('.js')) js.add(u.pathname);
  });
  await page.goto(`${base}${path}`);
  await page.locator('main h1').first().waitFor();
  const ms = await page.evaluate(() => performance.now());
  await page.waitForLoadState('networkidle');
  await ctx.close();
  return { ms, js };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const gzipKb = (files: Set<string>) =>
  [...files].reduce((sum, f) => sum + gzipSync(readFileSync(`web/build${f}`)).length, 0) / 1024;

await firstRender('/baseline'); // warm the browser process
const baseTimes: number[] = [];
for (let i = 0; i < RUNS; i++) baseTimes.push((await firstRender('/baseline')).ms);
const baseline = median(baseTimes);

console.log(`console bench: ${RUNS} cold loads per route, median; baseline static page ${baseline.toFixed(0)} ms`);
console.log('route'.padEnd(14), 'JS gzip KB'.padStart(11), 'first render ms'.padStart(16), 'x baseline'.padStart(11), ' budget');
let ok = true;
for (const route of ROUTES) {
  const times: number[] = [];
  let files = new Set<string>();
  for (let i = 0; i < RUNS; i++) {
    const r = await firstRender(route);
    times.push(r.ms);
    files = new Set([...files, ...r.js]);
  }
  const kb = gzipKb(files);
  const ms = median(times);
  const pass = kb <= BUDGET_KB && ms <= BUDGET_MS;
  ok &&= pass;
  console.log(route.padEnd(14), kb.toFixed(1).padStart(11), ms.toFixed(0).padStart(16), (ms / baseline).toFixed(2).padStart(11), pass ? ' ok' : ' OVER');
}
console.log(ok ? `all routes within ${BUDGET_KB} KB and ${BUDGET_MS} ms` : 'some routes are over budget');

await browser.close();
server.close();
process.exitCode = ok ? 0 : 1;
