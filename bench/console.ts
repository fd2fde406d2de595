/**
 * bench:console — issue 20's performance goals for the console, with the demo running:
 *   - JavaScript each route loads (gzip) ≤ 100 KB, and first render ≤ 1 s, in headless Chromium;
 *   - the demo traffic driver costs ≤ 5 % of one core at its default rate.
 *
 * Default (CONSOLE_BENCH_MODE=demo): the real hub as `npm start` composes it — scripts/start.ts
 * runs the API, both worker processes, the METRC/Dutchie/BLAZE/SMS sandboxes and the mail
 * catcher, loads the demo seed "today", hands the open demo orders to their workflows and
 * connects the demo POS connections — on its own Temporal dev server and a fresh database (the
 * integration tests' global setup, dropped at the end), on free ports. The bench then:
 *   1. lets the hub settle, and takes its CPU (every process under scripts/start.ts plus the
 *      Temporal dev server; MariaDB and Redis are shared with the machine and left out) over a
 *      window with the traffic driver off;
 *   2. starts scripts/demo-traffic.ts beside it at its default interval (DEMO_TRAFFIC_INTERVAL
 *      unset) and takes the driver's own CPU and the hub's again over the same length of window;
 *   3. signs in through the login page as the demo admin (password and TOTP from db/seed/users.ts)
 *      and, with the traffic still on, loads every console route cold (fresh browser context
 *      carrying only the session cookie) BENCH_RUNS times: first render = navigation start until
 *      the page's first heading is visible; "data" = until no panel is still loading.
 * The baseline is the console's static offline page (web/build/offline.html, one heading) served
 * by the same hub to the same browser; every render time is printed as a ratio to it.
 *
 * CONSOLE_BENCH_MODE=stub keeps the old figure: web/build behind a stub API (a signed-in admin,
 * empty lists), the console's own cost without a database.
 *
 *   npm run bench:console        (builds the console first when web/build is missing)
 *   BENCH_RUNS=5 CONSOLE_BENCH_CPU_WINDOW=120 npm run bench:console
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import express from 'express';
import getPort from 'get-port';
import { authenticator } from 'otplib';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { consoleRoutes } from '../api/console.js';
import { DEMO_STAFF, DEMO_TOTP_SECRET } from '../db/seed/users.js';

const MODE = process.env.CONSOLE_BENCH_MODE ?? 'demo';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CPU_WINDOW_S = Number(process.env.CONSOLE_BENCH_CPU_WINDOW ?? 120);
const BUDGET_KB = 100;
const BUDGET_MS = 1000;
const TRAFFIC_BUDGET_PCT = 5;
const HUB_LOG = 'test-results/bench-console-hub.log';

/**
 * Every page of the console (web/src/routes); `[id]` routes are filled in from the demo data.
 * `signedOut` pages are loaded without the session (the login page sends a signed-in admin on).
 */
interface Route {
  path: string;
  /** The route directory under web/src/routes it measures ('' for the dashboard). */
  dir: string;
  signedOut?: boolean;
}
const ROUTES: Route[] = [
  { path: '/', dir: '' },
  { path: '/orders', dir: 'orders' },
  { path: '/orders/:order', dir: 'orders/[id]' },
  { path: '/workflows', dir: 'workflows' },
  { path: '/workflows/:workflow', dir: 'workflows/[id]' },
  { path: '/syncs', dir: 'syncs' },
  { path: '/pos-connections', dir: 'pos-connections' },
  { path: '/compliance', dir: 'compliance' },
  { path: '/compliance/:submission', dir: 'compliance/[id]' },
  { path: '/inventory', dir: 'inventory' },
  { path: '/reports', dir: 'reports' },
  { path: '/notifications', dir: 'notifications' },
  { path: '/audit', dir: 'audit' },
  { path: '/users', dir: 'users' },
  { path: '/metrc-keys', dir: 'metrc-keys' },
  { path: '/settings', dir: 'settings' },
  { path: '/login', dir: 'login', signedOut: true },
  { path: '/set-password', dir: 'set-password', signedOut: true },
];

/** Route directories with a +page.svelte that the list above does not measure. */
function unmeasuredRoutes(): string[] {
  const found: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const full = `${dir}/${name}`;
      if (statSync(full).isDirectory()) walk(full, rel ? `${rel}/${name}` : name);
      else if (name === '+page.svelte') found.push(rel);
    }
  };
  walk('web/src/routes', '');
  return found.filter((d) => !ROUTES.some((r) => r.dir === d));
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const gzipKb = (files: Set<string>) =>
  [...files].reduce((sum, f) => sum + (existsSync(`web/build${f}`) ? gzipSync(readFileSync(`web/build${f}`)).length : 0), 0) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- CPU of processes, from /proc ------------------------------------------------------------
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime+stime (seconds) and parent of a process; undefined once it is gone. */
function procStat(pid: number): { cpu: number; ppid: number; comm: string } | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = raw.lastIndexOf(')');
    const f = raw.slice(close + 2).split(' ');
    return { cpu: (Number(f[11]) + Number(f[12])) / CLK_TCK, ppid: Number(f[1]), comm: raw.slice(raw.indexOf('(') + 1, close) };
  } catch {
    return undefined;
  }
}

/** Every live process below `root` (not itself), pid → stat. */
function descendants(root: number): Map<number, { cpu: number; ppid: number; comm: string }> {
  const all = new Map<number, { cpu: number; ppid: number; comm: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(Number(name));
    if (s) all.set(Number(name), s);
  }
  const out = new Map<number, { cpu: number; ppid: number; comm: string }>();
  let frontier = [root];
  while (frontier.length) {
    const next: number[] = [];
    for (const [pid, s] of all) {
      if (!frontier.includes(s.ppid) || out.has(pid)) continue;
      out.set(pid, s);
      next.push(pid);
    }
    frontier = next;
  }
  return out;
}

/**
 * CPU seconds the given processes used over `seconds`, per process that lived through the
 * window (a process that started or ended inside it is left out: it is not part of a steady hub).
 */
async function cpuOver(pids: () => Map<number, { cpu: number; comm: string }>, seconds: number): Promise<{ cpu: number; wall: number; procs: number }> {
  const before = pids();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const after = pids();
  const wall = (performance.now() - t0) / 1000;
  let cpu = 0;
  let procs = 0;
  for (const [pid, a] of after) {
    const b = before.get(pid);
    if (!b || b.comm !== a.comm) continue;
    cpu += a.cpu - b.cpu;
    procs += 1;
  }
  return { cpu, wall, procs };
}

// ---- the hub ---------------------------------------------------------------------------------
interface Hub {
  base: string;
  /** Processes that make up the hub (not the traffic driver, not the browser). */
  processes(): Map<number, { cpu: number; comm: string; ppid: number }>;
  startTraffic(): Promise<ChildProcess>;
  signIn(browser: Browser): Promise<Awaited<ReturnType<BrowserContext['storageState']>> | undefined>;
  ids(ctx: BrowserContext): Promise<Record<string, string | undefined>>;
  close(): Promise<void>;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(1000);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s (hub log: ${HUB_LOG})`);
}

async function startDemoHub(): Promise<Hub> {
  const { setup, teardown } = await import('../test/setup/global.js');
  await setup(undefined as never); // Temporal dev server on free ports, a fresh migrated database
  // The workers start from the prebuilt workflow bundle, as under `npm start` (bootstrap builds it).
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-workflows.ts'], { stdio: 'ignore' });
  const ports = {
    PORT: await getPort(),
    METRC_SANDBOX_PORT: await getPort(),
    DUTCHIE_SANDBOX_PORT: await getPort(),
    BLAZE_SANDBOX_PORT: await getPort(),
    SMS_SANDBOX_PORT: await getPort(),
    MAIL_CATCHER_SMTP_PORT: await getPort(),
    MAIL_CATCHER_HTTP_PORT: await getPort(),
  };
  const redis = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  redis.pathname = '/9'; // the benches' Redis database: others' cache versions and streams stay apart
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    REDIS_URL: process.env.BENCH_REDIS_URL ?? redis.toString(),
  };
  delete env.DEMO_TRAFFIC; // the bench starts the driver itself, to measure with it off first
  const log = createWriteStream(HUB_LOG);
  let logText = '';
  // Its own process group: the whole hub is stopped with one signal, nothing left holding ports.
  const hub = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const s of [hub.stdout!, hub.stderr!]) {
    s.on('data', (d: Buffer) => {
      log.write(d);
      logText = (logText + d.toString()).slice(-200_000);
    });
  }
  const base = `http://127.0.0.1:${ports.PORT}`;
  let traffic: ChildProcess | undefined;
  const stopGroup = async (p: ChildProcess, grace: number) => {
    if (p.exitCode !== null || p.pid === undefined) return;
    const gone = new Promise((r) => p.once('exit', r));
    try {
      process.kill(-p.pid, 'SIGTERM');
    } catch {
      p.kill('SIGTERM');
    }
    await Promise.race([gone, sleep(grace)]);
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  const hubUp = async () => {
    try {
      return (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(3000) })).ok;
    } catch {
      return false;
    }
  };

  try {
    await waitFor('the hub answering /readyz', 6 * 60_000, async () => {
      if (hub.exitCode !== null) throw new Error(`scripts/start.ts exited (${hub.exitCode}); see ${HUB_LOG}`);
      return hubUp();
    });
    await waitFor('the demo POS connections and order workflows', 3 * 60_000, () => /connected \d+ demo POS/.test(logText) && /started order workflows/.test(logText));
  } catch (err) {
    await stopGroup(hub, 15_000);
    await teardown();
    throw err;
  }
  const self = process.pid;
  return {
    base,
    processes() {
      const all = descendants(self);
      // The traffic driver and the browser are not the hub.
      const skip = new Set<number>();
      for (const [pid, s] of all) if (pid === traffic?.pid || /chrom/i.test(s.comm)) skip.add(pid);
      for (const [pid, s] of all) if (skip.has(s.ppid)) skip.add(pid);
      return new Map([...all].filter(([pid]) => !skip.has(pid)));
    },
    async startTraffic() {
      // One node process (no tsx launcher in between), so its own CPU is its /proc entry.
      traffic = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo-traffic.ts'], {
        env: { ...env, DEMO_TRAFFIC_BASE: base },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      for (const s of [traffic.stdout!, traffic.stderr!]) s.on('data', (d: Buffer) => (log.write(d), (out = (out + d.toString()).slice(-50_000))));
      await waitFor('the traffic driver trading', 3 * 60_000, () => {
        if (traffic!.exitCode !== null) throw new Error(`the traffic driver exited (${traffic!.exitCode}): ${out.slice(-500)}`);
        return /partners trading/.test(out);
      });
      return traffic;
    },
    async signIn(browser) {
      const admin = DEMO_STAFF.find((u) => u.role === 'admin')!;
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(`${base}/login`);
      await page.getByLabel('Email').fill(admin.email);
      await page.getByLabel('Password').fill(admin.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Code').fill(authenticator.generate(DEMO_TOTP_SECRET));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      const state = await ctx.storageState();
      await ctx.close();
      return state;
    },
    async ids(ctx) {
      const first = async (path: string, field = 'id') => {
        const r = await ctx.request.get(`${base}/api/v1${path}`);
        const body = r.ok() ? ((await r.json()) as { data?: Array<Record<string, unknown>> }) : {};
        const v = body.data?.[0]?.[field];
        return typeof v === 'string' ? v : undefined;
      };
      return {
        order: await first('/orders?status=shipped&limit=1'),
        workflow: await first('/workflows?limit=1', 'workflow_id'),
        submission: await first('/metrc-submissions?status=failed&limit=1'),
      };
    },
    async close() {
      if (traffic) await stopGroup(traffic, 5000);
      await stopGroup(hub, 20_000);
      log.end();
      await teardown();
    },
  };
}

// ---- the stub (CONSOLE_BENCH_MODE=stub) ---------------------------------------------------------
async function startStub(): Promise<Hub> {
  const empty = { data: [], pagination: { page: 1, limit: 50, total: 0, total_pages: 0 } };
  const app = express();
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
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    processes: () => new Map(),
    startTraffic: () => Promise.reject(new Error('no traffic against the stub')),
    signIn: () => Promise.resolve(undefined),
    ids: () => Promise.resolve({ order: 'stub', workflow: 'stub', submission: 'stub' }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// ---- measuring -------------------------------------------------------------------------------
async function main() {
  if (!existsSync('web/build/index.html')) execFileSync('npm', ['run', 'build', '--workspace', 'web'], { stdio: 'inherit' });
  const startedAt = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const loadAtStart = load();
  const missing = unmeasuredRoutes();
  const t0 = Date.now();
  const hub = MODE === 'stub' ? await startStub() : await startDemoHub();
  let ok = missing.length === 0;
  const lines: string[] = [];
  const say = (l: string) => (console.log(l), lines.push(l));
  let browser: Browser | undefined;
  try {
    if (MODE !== 'stub') {
      console.log(`[bench:console] hub up with the demo loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s; settling 30 s, then ${CPU_WINDOW_S} s of CPU with the traffic driver off`);
      await sleep(30_000);
      const off = await cpuOver(() => hub.processes(), CPU_WINDOW_S);
      const loadOff = load();
      const traffic = await hub.startTraffic();
      const trafficPid = traffic.pid!;
      const driverOnly = () => {
        const s = procStat(trafficPid);
        return s ? new Map([[trafficPid, s]]) : new Map<number, { cpu: number; comm: string }>();
      };
      // Its own CPU (after connecting: the sign-ins and key issue are once per start) and the
      // hub's, over the same window.
      const driverBefore = driverOnly();
      const on = await cpuOver(() => hub.processes(), CPU_WINDOW_S);
      const driverAfter = driverOnly();
      const loadOn = load();
      const driverCpu = (driverAfter.get(trafficPid)?.cpu ?? NaN) - (driverBefore.get(trafficPid)?.cpu ?? NaN);
      const driverPct = (driverCpu / on.wall) * 100;
      const offPct = (off.cpu / off.wall) * 100;
      const onPct = (on.cpu / on.wall) * 100;
      say(`demo traffic driver at its default rate (a round every ${process.env.DEMO_TRAFFIC_INTERVAL ?? 20} s), ${on.wall.toFixed(0)} s windows, % of one core:`);
      say(`  driver process itself:   ${driverPct.toFixed(2)} %   (goal ≤ ${TRAFFIC_BUDGET_PCT} %: ${driverPct <= TRAFFIC_BUDGET_PCT ? 'met' : 'NOT met'})`);
      say(`  hub, traffic off:        ${offPct.toFixed(1)} %   (${off.procs} processes: API, 2 workers, sandboxes, mail, Temporal dev server; load ${loadOff})`);
      say(`  hub, traffic on:         ${onPct.toFixed(1)} %   (${on.procs} processes; load ${loadOn})`);
      say(`  hub's extra with traffic: ${(onPct - offPct).toFixed(1)} %   (driver + hub's extra: ${(driverPct + onPct - offPct).toFixed(1)} %; the hub's own POS syncs and sales trickle run in both windows, so this difference carries their noise)`);
      ok &&= driverPct <= TRAFFIC_BUDGET_PCT;
    }

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const session = await hub.signIn(browser);
    const idCtx = await browser.newContext(session ? { storageState: session } : {});
    const ids = await hub.ids(idCtx);
    await idCtx.close();

    const dataFailures = new Set<string>();
    /** Cold load (fresh context, the session cookie only): first heading, then no panel loading. */
    const firstRender = async (path: string, signedOut: boolean): Promise<{ ms: number; dataMs: number | null; js: Set<string> }> => {
      const ctx = await browser!.newContext(session && !signedOut ? { storageState: session } : {});
      const page = await ctx.newPage();
      const js = new Set<string>();
      page.on('response', (r) => {
        const u = new URL(r.url());
        if (u.pathname.endsWith('.js')) js.add(u.pathname);
      });
      try {
        await page.goto(`${hub.base}${path}`);
        await page.locator('main h1').first().waitFor({ timeout: 30_000 });
        const ms = await page.evaluate(() => performance.now());
        let dataMs: number | null = null;
        try {
          // A locator wait (the console's CSP refuses the eval a polled waitForFunction needs).
          await page.locator('.state.loading').first().waitFor({ state: 'detached', timeout: 30_000 });
          dataMs = await page.evaluate(() => performance.now());
        } catch (err) {
          // Still loading after 30 s, or the page went away meanwhile: printed as such.
          dataFailures.add(`${path}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        }
        await page.waitForLoadState('networkidle', { timeout: 3000 }).catch(() => undefined); // lazy chunks
        return { ms, dataMs, js };
      } finally {
        await ctx.close();
      }
    };

    await firstRender('/offline.html', true); // warm the browser process
    const baseTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) baseTimes.push((await firstRender('/offline.html', true)).ms);
    const baseline = median(baseTimes);

    say('');
    say(
      `console bench (${MODE === 'stub' ? 'stub API, empty lists' : 'real hub, demo seed, traffic on, signed in as the demo admin'}): ${RUNS} cold loads per route, median; ` +
        `baseline static page (/offline.html) ${baseline.toFixed(0)} ms; ${startedAt} UTC, load at start ${loadAtStart}, now ${load()}`,
    );
    say(`${'route'.padEnd(24)}${'JS gzip KB'.padStart(11)}${'first render ms'.padStart(16)}${'x baseline'.padStart(11)}${'data ms'.padStart(9)}  budget`);
    for (const route of ROUTES) {
      const path = route.path.replace(/:(\w+)/, (_m, k: string) => ids[k] ?? '');
      if (path.endsWith('/') && path !== '/') {
        say(`${route.path.padEnd(24)}  skipped: no ${route.path.split(':')[1]} in the demo data`);
        continue;
      }
      const times: number[] = [];
      const dataTimes: number[] = [];
      let files = new Set<string>();
      try {
        for (let i = 0; i < RUNS; i++) {
          const r = await firstRender(path, route.signedOut ?? false);
          times.push(r.ms);
          if (r.dataMs !== null) dataTimes.push(r.dataMs);
          files = new Set([...files, ...r.js]);
        }
      } catch (err) {
        ok = false;
        say(`${route.path.padEnd(24)}  FAILED: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        continue;
      }
      const kb = gzipKb(files);
      const ms = median(times);
      const data = dataTimes.length === RUNS ? median(dataTimes).toFixed(0) : `${dataTimes.length}/${RUNS}`;
      const pass = kb <= BUDGET_KB && ms <= BUDGET_MS;
      ok &&= pass;
      say(`${route.path.padEnd(24)}${kb.toFixed(1).padStart(11)}${ms.toFixed(0).padStart(16)}${(ms / baseline).toFixed(2).padStart(11)}${data.padStart(9)}  ${pass ? 'ok' : 'OVER'}`);
    }
    for (const f of dataFailures) say(`  data not seen: ${f}`);
    if (missing.length) say(`routes in web/src/routes the bench does not measure: ${missing.join(', ')} (add them to ROUTES)`);
    say(ok ? `all routes within ${BUDGET_KB} KB and ${BUDGET_MS} ms${MODE === 'stub' ? '' : `, the driver within ${TRAFFIC_BUDGET_PCT} %`}` : 'some goals are not met (see above)');
  } finally {
    await browser?.close();
    await hub.close();
  }
  return ok;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
