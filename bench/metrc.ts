/**
 * bench:metrc — 1,000 METRC submissions (sales receipts over three facilities) through the
 * sandbox with the hub's Redis token bucket set to METRC_BENCH_RATE requests/s per vendor key.
 * The sandbox enforces the same limit on writes (plus 10 %), so overshooting would show as
 * 429s. Prints submissions/s against the configured limit, how many 429s were seen and whether
 * any cost an attempt (unhandled), requests per submission, and duplicates in METRC (must be 0).
 *
 * METRC_BENCH_PROFILE=faults (issue 23) runs the same load under 8 % 5xx, 5 % 429, 4 %
 * commit-then-drop, 2 % writes held 3 s past a 2 s client timeout (committed late) and a 2 s
 * credential blip once a tenth of the submissions are created, with a 5 s settle window. Targets: ≥ 0.95 × the limit clean,
 * ≥ 0.6 × under faults (succeeded submissions/s; failed ones are counted apart).
 *
 * Runs its own Temporal dev server and database like the integration tests:
 *   npm run bench:metrc            (METRC_BENCH_RATE=20 METRC_BENCH_COUNT=1000 by default)
 *   METRC_BENCH_PROFILE=faults npm run bench:metrc
 */
import { setup, teardown } from '../test/setup/global.js';
import { createMetrcSandbox, DEMO_PACKAGES, parseFaults } from '../sandboxes/metrc/index.js';

const RATE = Number(process.env.METRC_BENCH_RATE ?? 20);
const COUNT = Number(process.env.METRC_BENCH_COUNT ?? 1000);
const RETAILERS = ['SF-SBX-CO-3-9001', 'SF-SBX-CO-3-9002', 'SF-SBX-CO-3-9003'];
const PROFILE = process.env.METRC_BENCH_PROFILE === 'faults' ? 'faults' : 'clean';
const TARGET = PROFILE === 'faults' ? 0.6 : 0.95;
const FAULTS = {
  errorRate: 0.08,
  rateLimitRate: 0.05,
  retryAfterSeconds: 1,
  dropResponseRate: 0.04,
  holdWriteRate: 0.02,
  holdWriteSeconds: 3,
  authBlipSeconds: 2,
};

async function main() {
  await setup(undefined as never);
  // Imported after setup so config sees the run's Temporal address and database.
  const { closeDeps, createDeps, startWorkers } = await import('../test/support/harness.js');
  const { createComplianceService } = await import('../api/services/compliance.js');
  const { SYSTEM_ACTOR } = await import('../domain/actor.js');

  const sandbox = createMetrcSandbox({ randomSeed: 1, rateLimits: { perVendorKeyPerSecond: RATE * 1.1, perFacilityPerSecond: 50, methods: ['GET', 'POST'] } });
  const running = await sandbox.start(0);
  const deps = createDeps({
    METRC_BASE_URL: running.url,
    METRC_RATE_PER_VENDOR_KEY: String(RATE),
    METRC_RATE_PER_FACILITY: '50',
    TEMPORAL_RETRY_INITIAL_INTERVAL_MS: '200',
    LOG_LEVEL: 'error',
    // Under faults: a held write outlives the 2 s timeout and commits within 3 s; the 5 s window
    // covers it (the sandbox's "processing limit").
    ...(PROFILE === 'faults'
      ? { METRC_TIMEOUT: '2s', METRC_SETTLE_WINDOW: '5s', METRC_SETTLE_CHECK_INTERVAL: '250ms', METRC_AUTH_RETRY_WINDOW: '10s' }
      : {}),
  });
  if (deps.redis.status !== 'ready') await new Promise((r) => deps.redis.once('ready', r));
  // Fresh buckets: nothing left over from an earlier run.
  for (const key of await deps.redis.keys('metrc:rl:*')) await deps.redis.del(key);
  // Where the time goes: rate-limiter round trips (a script call on the metrc:rl: buckets),
  // database statements through Sequelize and the worker's scripted writer, and this process's
  // CPU (API service, workers and sandbox all run in it; Temporal's server is apart).
  const calls = { limiter: 0, sql: 0, writer: 0 };
  const count = <T extends object, K extends keyof T>(o: T, k: K, key: keyof typeof calls) => {
    const f = o[k] as unknown as (...a: unknown[]) => unknown;
    (o as Record<K, unknown>)[k] = (...a: unknown[]) => ((calls[key] += 1), f.apply(o, a));
  };
  // The limiter's script runs by hash (EVAL only when Redis lacks it); its keys name the buckets.
  for (const k of ['evalsha', 'eval'] as const) {
    const f = deps.redis[k] as unknown as (...a: unknown[]) => unknown;
    (deps.redis as unknown as Record<string, unknown>)[k] = (...a: unknown[]) => {
      if (String(a[2]).startsWith('metrc:rl:')) calls.limiter += 1;
      return f.apply(deps.redis, a);
    };
  }
  count(deps.sequelize, 'query', 'sql');
  count(deps.writer, 'write', 'writer');
  count(deps.writer, 'transaction', 'writer');
  const workers = await startWorkers(deps, { queues: ['compliance'] });
  const service = createComplianceService(deps);

  const packages = RETAILERS.map((l) => DEMO_PACKAGES.filter((p) => p.licenseNumber === l && p.unitOfMeasure === 'Each'));
  const tag = Date.now().toString(36).toUpperCase();
  const ids: string[] = [];
  if (PROFILE === 'faults') sandbox.faults.config = parseFaults({ ...FAULTS, authBlipSeconds: 0 });
  const started = Date.now();
  const cpu0 = process.cpuUsage();
  let next = 0;
  // Create from a few concurrent "clients" so creation never limits throughput.
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < COUNT; i = next++) {
        const f = i % RETAILERS.length;
        const pkg = packages[f]![Math.floor(i / RETAILERS.length) % packages[f]!.length]!;
        const s = await service.create(SYSTEM_ACTOR, {
          kind: 'sales_receipt',
          license_number: RETAILERS[f]!,
          payload: {
            SalesDateTime: '2026-03-01T14:05:00',
            ExternalReceiptNumber: `B-${tag}-${i}`,
            SalesCustomerType: 'Consumer',
            Transactions: [{ PackageLabel: pkg.label, Quantity: 1, UnitOfMeasure: 'Each', TotalAmount: 5 }],
          },
        });
        ids.push(s.id);
        // The credential blip starts once submissions are flowing (it runs from when it is set).
        if (PROFILE === 'faults' && ids.length === Math.ceil(COUNT / 10)) sandbox.faults.config = parseFaults(FAULTS);
      }
    }),
  );
  const created = Date.now();
  const calls0 = { ...calls };

  let counts: Record<string, number>;
  for (;;) {
    const [rows] = await deps.sequelize.query('SELECT status, COUNT(*) AS n FROM metrc_submissions WHERE id IN (?) GROUP BY status', { replacements: [ids] });
    counts = Object.fromEntries((rows as { status: string; n: number }[]).map((r) => [r.status, Number(r.n)]));
    if ((counts.succeeded ?? 0) + (counts.failed ?? 0) >= COUNT) break;
    if (PROFILE === 'faults' && Date.now() - started > 30 * 60_000) throw new Error(`not settled after 30 min: ${JSON.stringify(counts)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const [[last]] = (await deps.sequelize.query(
    "SELECT GREATEST(COALESCE(MAX(succeeded_at), 0), COALESCE(MAX(failed_at), 0)) AS t FROM metrc_submissions WHERE id IN (?)",
    { replacements: [ids] },
  )) as unknown as [[{ t: Date }]];
  // Let held writes commit before METRC is counted.
  while (sandbox.faults.heldWrites.some((w) => w.releasedAt === null)) await new Promise((r) => setTimeout(r, 200));
  const finished = new Date(last.t).getTime();
  const cpu = process.cpuUsage(cpu0);
  const [[first]] = (await deps.sequelize.query('SELECT MIN(succeeded_at) AS t FROM metrc_submissions WHERE id IN (?)', { replacements: [ids] })) as unknown as [[{ t: Date }]];
  const [[rl]] = (await deps.sequelize.query(
    `SELECT COALESCE(SUM(rate_limit_waits), 0) AS waits, SUM(error_code = 'METRC_RATE_LIMITED') AS unhandled
       FROM metrc_submission_attempts WHERE submission_id IN (?)`,
    { replacements: [ids] },
  )) as unknown as [[{ waits: number; unhandled: number | null }]];

  const state = sandbox.state.summary();
  const mine = Object.entries(state.receiptsByExternalNumber).filter(([k]) => k.startsWith(`B-${tag}-`));
  const duplicates = mine.filter(([, n]) => n > 1).length;
  const [okRows] = await deps.sequelize.query(
    "SELECT JSON_UNQUOTE(JSON_EXTRACT(payload, '$.ExternalReceiptNumber')) AS n FROM metrc_submissions WHERE id IN (?) AND status = 'succeeded'",
    { replacements: [ids] },
  );
  const live = new Map(mine);
  // Missing: a submission shown succeeded whose receipt METRC does not hold.
  const missing = (okRows as { n: string }[]).filter((r) => live.get(r.n) !== 1).length;
  const seconds = (finished - started) / 1000;
  const succeeded = counts.succeeded ?? 0;
  const rate = succeeded / seconds;

  console.log(`bench:metrc — ${COUNT} sales receipts, 3 facilities, limit ${RATE} req/s per vendor key, profile ${PROFILE}`);
  if (PROFILE === 'faults') console.log(`  faults: ${JSON.stringify(FAULTS)}; served ${JSON.stringify(state.counters.faults)}`);
  console.log(`  created in ${((created - started) / 1000).toFixed(1)} s; all settled after ${seconds.toFixed(1)} s`);
  console.log(`  statuses: ${JSON.stringify(counts)}`);
  console.log(`  throughput: ${rate.toFixed(2)} succeeded submissions/s = ${(rate / RATE).toFixed(2)} × the configured limit (target ≥ ${TARGET.toFixed(2)})`);
  console.log(`  METRC requests per submission: ${(state.counters.requests / COUNT).toFixed(2)}`);
  // The profile: a rate at the limit needs the workers to keep up; these say what each submission costs.
  const per = (n: number) => (n / COUNT).toFixed(2);
  console.log(`  first success after ${((new Date(first.t).getTime() - started) / 1000).toFixed(1)} s; steady rate after it ${(succeeded / ((finished - new Date(first.t).getTime()) / 1000)).toFixed(2)}/s`);
  console.log(`  per submission: ${per(calls.limiter)} limiter round trips (${(calls.limiter / Math.max(1, state.counters.requests)).toFixed(2)} per METRC request), ${per(calls.sql)} Sequelize statements, ${per(calls.writer)} writer transactions (of which after creation: ${per(calls.limiter - calls0.limiter)} limiter, ${per(calls.sql - calls0.sql)} Sequelize)`);
  console.log(`  CPU in this process: ${((cpu.user + cpu.system) / 1000 / COUNT).toFixed(2)} ms per submission (${((cpu.user + cpu.system) / 1000 / (finished - started) * 100).toFixed(0)} % of one core over the run)`);
  console.log(`  429s served by the sandbox: ${state.counters.rateLimited}; waited out in-attempt: ${Number(rl.waits)}; unhandled (cost an attempt): ${Number(rl.unhandled ?? 0)}`);
  console.log(`  METRC records: ${mine.length}; duplicates: ${duplicates}; missing: ${missing}`);

  await workers.stop();
  await closeDeps(deps);
  await running.close();
  await teardown();
  const ok = rate / RATE >= TARGET && duplicates === 0 && missing === 0 && Number(rl.unhandled ?? 0) === 0;
  process.exit(ok ? 0 : 1);
}

main().catch(async (e: unknown) => {
  console.error(e);
  await teardown().catch(() => undefined);
  process.exit(1);
});
