/**
 * bench:notifications — NOTIFY_BENCH_COUNT (default 10,000) email notifications through the
 * workflow path (one notificationBatch workflow per event of 100 recipients, as startNotifications
 * starts them: a delivery row each, deterministic Message-ID, chunked claims, pooled nodemailer send) against the same number of raw nodemailer sends (same pool size) to the
 * same SMTP server, in the same run. Prints sends/s of each and their ratio (goal ≥ 0.5), then
 * duplicates and losses as the SMTP server counted them by Message-ID (must both be 0), and the
 * worker's RSS at start and end.
 *
 * The measured worker is its own process (worker/main.ts, WORKER_QUEUES=notifications, as
 * deployed); this process is the load generator (starts the workflows) and runs the SMTP server
 * (the mail catcher). Temporal's dev server and the database are set up like the integration tests:
 *   npm run bench:notifications        (NOTIFY_BENCH_COUNT=10000 by default)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import nodemailer from 'nodemailer';
import { setup, teardown } from '../test/setup/global.js';
import { spawnWorkerProcess } from '../test/support/workerProcess.js';

const COUNT = Number(process.env.NOTIFY_BENCH_COUNT ?? 10_000);
const USERS = 100; // COUNT / USERS events, each to every user: one delivery per (event, user)
const START_CONCURRENCY = 50;
const SEND_TIMEOUT = '10s';

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s). */
const cpuS = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};

/** The Temporal dev server serving this run: the process listening on TEMPORAL_ADDRESS's port. */
function temporalPid(): number | undefined {
  const port = (process.env.TEMPORAL_ADDRESS ?? '').split(':').pop();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a.endsWith('temporal')) && cmd.includes('start-dev') && cmd.includes(port ?? '-')) return Number(d);
    } catch {
      /* gone meanwhile */
    }
  }
  return undefined;
}

const rssMb = (pid: number) => {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 1024);
};

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>) {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

async function main() {
  await setup(undefined as never);
  const { closeDeps, createDeps, temporalClient } = await import('../test/support/harness.js');
  const { createTestUser } = await import('../test/support/auth.js');
  const { startMailCatcher } = await import('../sandboxes/mail/catcher.js');
  const { startDeliveryBatches } = await import('../activities/notifications.js');

  const catcher = await startMailCatcher({ httpPort: null });
  const mailEnv = {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(catcher.smtpPort),
    SMTP_SEND_TIMEOUT: SEND_TIMEOUT,
    MAIL_FROM: 'Trellis <notify@bench.trellis>',
    // The per-provider send rate (default 20/s) would cap the path at the limit, not measure it.
    NOTIFY_EMAIL_RATE: '10000',
  };
  const deps = createDeps({ ...mailEnv, LOG_LEVEL: 'error' });
  const cfg = deps.config.mail;
  const users: Array<{ id: string; email: string }> = [];
  for (let i = 0; i < USERS; i++) users.push(await createTestUser(deps, { role: 'operator', mfa: false }));
  const worker = await spawnWorkerProcess({ ...mailEnv, WORKER_QUEUES: 'notifications' });
  const rssStart = rssMb(worker.pid!);
  let rssPeak = rssStart;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(worker.pid!))), 1000);

  // Baseline: raw nodemailer, the same pooled transport settings the worker uses, all queued at once.
  const raw = nodemailer.createTransport({ pool: true, host: cfg.host, port: cfg.port, secure: false, maxConnections: cfg.poolSize, logger: false });
  const rawIds = Array.from({ length: COUNT }, (_, i) => `<raw-${i}-${randomUUID()}@bench.trellis>`);
  const rawCpu0 = process.cpuUsage();
  let t0 = Date.now();
  await pool(rawIds, 500, (messageId) =>
    raw.sendMail({ from: cfg.from, to: users[0]!.email, messageId, subject: 'METRC submission failed (sales_receipt, SF-BENCH)', text: 'A METRC sales_receipt for licence SF-BENCH ran out of retries.\n\nOpen in Trellis: http://x/compliance' }),
  );
  const rawS = (Date.now() - t0) / 1000;
  const rawCpu = process.cpuUsage(rawCpu0);
  raw.close();

  // Workflow path: one notificationBatch per event (its 100 recipients), started from this process.
  const client = await temporalClient(deps.config);
  const run = randomUUID().slice(0, 8);
  const events = Array.from({ length: Math.ceil(COUNT / USERS) }, (_, i) => i);
  const server = temporalPid();
  const cpu0 = { worker: cpuS(worker.pid!), server: server ? cpuS(server) : 0, bench: process.cpuUsage() };
  t0 = Date.now();
  const startedAll = pool(events, START_CONCURRENCY, async (n) => {
    const event = { type: 'metrc.dead_lettered' as const, key: `bench:${run}:${n}`, facts: { submissionKind: 'sales_receipt', license: 'SF-BENCH', error: 'bench', submissionId: randomUUID() } };
    await startDeliveryBatches(client, deps.config, event, users.map((u) => ({ recipientUserId: u.id, channel: 'email' as const })));
  });
  const isBench = (m: { raw: string }) => m.raw.includes('X-Trellis-Event: metrc.dead_lettered');
  let startS = 0;
  void startedAll.then(() => (startS = (Date.now() - t0) / 1000));
  let lastCount = -1;
  let lastChange = Date.now();
  for (;;) {
    const n = catcher.messages().filter(isBench).length;
    if (n !== lastCount) [lastCount, lastChange] = [n, Date.now()];
    if (n >= COUNT || Date.now() - lastChange > 60_000) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const wfS = (Date.now() - t0) / 1000;
  const benchCpu = process.cpuUsage(cpu0.bench);
  const cpu = {
    worker: cpuS(worker.pid!) - cpu0.worker,
    server: server ? cpuS(server) - cpu0.server : NaN,
    bench: (benchCpu.user + benchCpu.system) / 1e6,
  };
  await startedAll;
  await new Promise((r) => setTimeout(r, 3000)); // a late duplicate would arrive meanwhile
  clearInterval(sampler);
  const rssEnd = rssMb(worker.pid!);

  const byId = new Map<string, number>();
  for (const m of catcher.messages()) byId.set(m.messageId ?? '', (byId.get(m.messageId ?? '') ?? 0) + 1);
  const count = (ids: Iterable<string>) => {
    let unique = 0;
    let dup = 0;
    for (const id of ids) {
      const c = byId.get(id) ?? 0;
      if (c > 0) unique += 1;
      if (c > 1) dup += c - 1;
    }
    return { unique, dup };
  };
  const rawC = count(rawIds);
  const wfC = count([...byId.keys()].filter((id) => id !== '' && !id.startsWith('<raw-')));
  const [[rows]] = (await deps.sequelize.query("SELECT COUNT(*) AS n, SUM(status = 'sent') AS sent FROM notification_deliveries WHERE event_key LIKE ?", { replacements: [`bench:${run}:%`] })) as unknown as [[{ n: number; sent: number }]];

  const rawRate = COUNT / rawS;
  const wfRate = wfC.unique / wfS;
  console.log(`notifications: ${COUNT} per path, ${USERS} recipients, SMTP pool ${cfg.poolSize}, worker pid ${worker.pid}`);
  console.log(`raw nodemailer:  ${COUNT} sent in ${rawS.toFixed(1)} s = ${rawRate.toFixed(0)}/s; at the server ${rawC.unique} unique, ${rawC.dup} duplicates`);
  console.log(`workflow path:   ${wfC.unique} delivered in ${wfS.toFixed(1)} s = ${wfRate.toFixed(0)}/s (all ${events.length} batch workflows started after ${startS.toFixed(1)} s)`);
  console.log(`                 duplicates ${wfC.dup}, lost ${COUNT - wfC.unique}; delivery rows ${Number(rows.n)}, sent ${Number(rows.sent)}`);
  console.log(`ratio workflow/raw: ${(wfRate / rawRate).toFixed(2)} (goal >= 0.5)`);
  const per = (x: number) => ((x * 1000) / Math.max(1, wfC.unique)).toFixed(1);
  console.log(`CPU per workflow-path notification: worker ${per(cpu.worker)} ms, Temporal server ${per(cpu.server)} ms, this process (starts + SMTP server) ${per(cpu.bench)} ms; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`CPU per raw send (nodemailer and the SMTP server, both in this process): ${((rawCpu.user + rawCpu.system) / 1000 / COUNT).toFixed(1)} ms`);
  console.log(`worker RSS: start ${rssStart} MB, end ${rssEnd} MB, peak ${rssPeak} MB`);

  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await client.connection.close();
  await closeDeps(deps);
  await catcher.stop();
  await teardown();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
