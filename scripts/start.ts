/**
 * `npm start` after bootstrap: prepares the database, then runs the Temporal dev server, the
 * sandboxes, the worker and the API under `concurrently` (one prefixed log stream; Ctrl-C or
 * SIGTERM stops every child, and any child dying takes the others down rather than leaving a
 * half-running hub).
 */
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import concurrently, { type ConcurrentlyCommandInput } from 'concurrently';
import { config } from '../platform/config.js';
import { WORKER_PROCESSES, workerNodeOptions } from '../temporal.config.js';
import { migrateUp } from './migrate.js';
import { adoptOpenOrders } from './adopt-orders.js';
import { connectDemoPos } from './demo-pos.js';
import { seedIfEmpty } from './seed.js';

const cfg = config();
const tsx = 'node_modules/.bin/tsx';

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function waitReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (res.ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

async function main() {
  console.log('[trellis] preparing database…');
  const applied = await migrateUp(cfg.databaseUrl, true);
  if (applied.length) console.log(`[trellis] applied ${applied.length} migration(s)`);
  if (cfg.nodeEnv === 'production') {
    // The demo users' passwords are in the README: a production hub starts with no demo data.
    console.log('[trellis] NODE_ENV=production: demo users and demo data are never seeded (their credentials are published); create users as an admin');
  } else {
    const seeded = await seedIfEmpty(cfg.databaseUrl);
    if (seeded) console.log(`[trellis] loaded demo data: ${seeded}`);
  }

  const commands: ConcurrentlyCommandInput[] = [];
  const [tHost, tPortRaw] = cfg.temporal.address.split(':');
  const tPort = Number(tPortRaw);
  if (cfg.temporal.embedded) {
    if (await portOpen(tHost ?? '127.0.0.1', tPort)) {
      console.log(`[trellis] something already listens on ${cfg.temporal.address}; using it as the Temporal server`);
    } else {
      const bin = process.env.TEMPORAL_BIN ?? 'temporal';
      mkdirSync('.data', { recursive: true });
      commands.push({
        name: 'temporal',
        prefixColor: 'magenta',
        command: [
          bin, 'server', 'start-dev',
          '--db-filename', '.data/temporal.db',
          '--ip', '127.0.0.1',
          '--port', String(tPort),
          '--ui-port', String(cfg.temporal.uiPort),
          '--namespace', cfg.temporal.namespace,
          '--log-level', 'error',
        ].join(' '),
      });
    }
  }
  const sandboxes = cfg.sandboxes.enabled;
  if (sandboxes) {
    commands.push({ name: 'metrc', prefixColor: 'yellow', command: `${tsx} sandboxes/metrc/main.ts` });
    commands.push({ name: 'pos', prefixColor: 'cyan', command: `${tsx} sandboxes/pos/main.ts` });
  }
  // Outside production, mail goes to a local catcher by default (SMTP_HOST/SMTP_PORT unset): run it.
  const mailCatcher = cfg.mail.catcher.enabled && ['127.0.0.1', 'localhost'].includes(cfg.mail.host) && cfg.mail.port === cfg.mail.catcher.smtpPort;
  if (mailCatcher) commands.push({ name: 'mail', prefixColor: 'gray', command: `${tsx} sandboxes/mail/main.ts` });
  const smsSandbox = sandboxes && cfg.mail.sms.baseUrl === `http://127.0.0.1:${cfg.mail.sms.sandboxPort}`;
  if (smsSandbox) commands.push({ name: 'sms', prefixColor: 'gray', command: `${tsx} sandboxes/sms/main.ts` });
  // Three worker processes, as deployed: order/METRC/notification queues, POS syncs and reports
  // (the batch work, each with a bounded heap).
  for (const [kind, name] of [['core', 'worker'], ['sync', 'sync-worker'], ['reports', 'reports-worker']] as const) {
    commands.push({
      name,
      prefixColor: 'blue',
      command: `${tsx} --import ./platform/telemetry/preload.mjs worker/main.ts`,
      env: { WORKER_QUEUES: WORKER_PROCESSES[kind].queues.join(','), NODE_OPTIONS: workerNodeOptions(kind) },
    });
  }
  commands.push({ name: 'api', prefixColor: 'green', command: `${tsx} --import ./platform/telemetry/preload.mjs api/main.ts` });
  // The optional demo traffic driver (scripts/demo-traffic.ts): demo partners trading over the API.
  const trafficWanted = ['1', 'true', 'yes', 'on'].includes((process.env.DEMO_TRAFFIC ?? '').toLowerCase());
  const traffic = trafficWanted && sandboxes && cfg.nodeEnv !== 'production';
  if (trafficWanted && !traffic) {
    console.log(`[trellis] DEMO_TRAFFIC is ignored ${cfg.nodeEnv === 'production' ? 'with NODE_ENV=production' : 'without the local sandboxes (SANDBOXES=0)'}: demo partners never trade on a real hub`);
  }
  if (traffic) commands.push({ name: 'traffic', prefixColor: 'white', command: `${tsx} scripts/demo-traffic.ts`, env: { DEMO_TRAFFIC_UNDER_START: '1' } });

  const { result, commands: running } = concurrently(commands, {
    killOthersOn: ['failure', 'success'],
    prefix: 'name',
    killSignal: 'SIGTERM',
  });

  const base = `http://localhost:${cfg.port}`;
  void waitReady(`${base}/readyz`, 5 * 60_000).then((ok) => {
    if (!ok) {
      console.error(`[trellis] ${base}/readyz did not turn green within 5 minutes; see the logs above.`);
      return;
    }
    const lines = [
      '',
      'Trellis is up:',
      `  API            ${base}/api/v1`,
      `  Console        ${base}/`,
      `  API docs       ${base}/api/docs`,
      `  Readiness      ${base}/readyz`,
      `  Metrics        ${base}/metrics${cfg.security.metricsToken ? ' (Bearer METRICS_TOKEN)' : ' (off: set METRICS_TOKEN)'}`,
      cfg.temporal.embedded ? `  Temporal UI    http://localhost:${cfg.temporal.uiPort}` : `  Temporal       ${cfg.temporal.address}`,
      ...(sandboxes
        ? [
            `  METRC sandbox  http://127.0.0.1:${cfg.sandboxes.metrcPort}`,
            `  Dutchie POS    http://127.0.0.1:${cfg.sandboxes.dutchiePort}`,
            `  BLAZE POS      http://127.0.0.1:${cfg.sandboxes.blazePort}`,
          ]
        : []),
      ...(mailCatcher ? [`  Caught mail    http://127.0.0.1:${cfg.mail.catcher.httpPort}/__mail`] : []),
      ...(smsSandbox ? [`  SMS sandbox    ${cfg.mail.sms.baseUrl}/__sandbox/messages`] : []),
      ...(sandboxes && cfg.nodeEnv !== 'production'
        ? [
            traffic
              ? `  Demo traffic   on: sandbox partners trade every ${process.env.DEMO_TRAFFIC_INTERVAL ?? 20} s (DEMO_TRAFFIC_INTERVAL); restart without DEMO_TRAFFIC=1 to turn it off`
              : '  Demo traffic   off: DEMO_TRAFFIC=1 npm start (or npx tsx scripts/demo-traffic.ts beside it) makes the demo partners trade',
          ]
        : []),
      'Press Ctrl-C to stop everything.',
      '',
    ];
    console.log(lines.join('\n'));
    adoptOpenOrders(cfg).then(
      (n) => n && console.log(`[trellis] started order workflows for ${n} open demo order(s)`),
      (err: unknown) => console.error('[trellis] could not start workflows for demo orders:', err instanceof Error ? err.message : err),
    );
    if (sandboxes && cfg.nodeEnv !== 'production') {
      connectDemoPos(cfg, base).then(
        (n) => n && console.log(`[trellis] connected ${n} demo POS connection(s) to the Dutchie/BLAZE sandboxes (syncing every minute)`),
        (err: unknown) => console.error('[trellis] could not create the demo POS connections:', err instanceof Error ? err.message : err),
      );
    }
  });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const c of running) if (!c.exited) c.kill('SIGTERM');
    // Anything still alive after the grace period is killed outright: no orphans holding ports.
    setTimeout(() => {
      for (const c of running) if (!c.exited) c.kill('SIGKILL');
    }, 15_000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  await result.then(
    () => process.exit(0),
    () => process.exit(stopping ? 0 : 1),
  );
}

main().catch((err: unknown) => {
  console.error('[trellis] start failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
