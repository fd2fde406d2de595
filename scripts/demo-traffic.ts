/**
 * The optional demo traffic driver: the METRC sandbox's partners trade through the hub's public
 * API (scripts/demo/traffic.ts), so the dashboard and the live views move while someone watches.
 *
 *   DEMO_TRAFFIC=1 npm start           runs it beside the hub (npm start prints this)
 *   npx tsx scripts/demo-traffic.ts    runs it against a hub already up (Ctrl-C stops it)
 *
 * DEMO_TRAFFIC_INTERVAL (seconds, default 20) is the pause between rounds; a round makes at most
 * one move per lifecycle step. Refused with NODE_ENV=production, and a no-op when the demo owners
 * are gone. Stops between requests on SIGTERM/SIGINT.
 */
import { assertDemoSeedAllowed } from '../db/seed/guard.js';
import { config } from '../platform/config.js';
import { DemoTraffic } from './demo/traffic.js';

const log = (line: string) => console.log(`[demo-traffic] ${line}`);
let stopRequested = false;

async function waitReady(url: string, stopped: () => boolean): Promise<boolean> {
  while (!stopped()) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(3000) })).ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  return false;
}

async function main() {
  // Before reading the configuration: a production hub's checks would otherwise answer first.
  if (process.env.NODE_ENV === 'production') throw new Error('refused with NODE_ENV=production: demo partners never trade on a real hub');
  const cfg = config();
  assertDemoSeedAllowed(cfg.nodeEnv);
  const intervalMs = Math.max(2, Number(process.env.DEMO_TRAFFIC_INTERVAL ?? 20)) * 1000;
  const base = process.env.DEMO_TRAFFIC_BASE ?? `http://127.0.0.1:${cfg.port}`;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopRequested = true;
    wake?.();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => (clearTimeout(t), resolve());
    });

  if (!(await waitReady(`${base}/readyz`, () => stopRequested))) return;
  const traffic = new DemoTraffic({ base, metrcSandbox: `http://127.0.0.1:${cfg.sandboxes.metrcPort}`, log });
  const partners = await traffic.connect();
  if (!partners) {
    log('no demo partners to sign in as (the demo owners are gone): nothing to do');
    return;
  }
  log(`${partners} sandbox partners trading, a round every ${intervalMs / 1000} s (stop: Ctrl-C, or npm start without DEMO_TRAFFIC=1)`);
  let failing = 0;
  let leftAlone = '';
  while (!stopRequested) {
    try {
      const { errors } = await traffic.round();
      for (const e of errors) log(`unexpected answer: ${e}`);
      // Once per change, not per round: orders it cannot carry through are left alone, quietly.
      const left = traffic.leftAlone();
      const line = `leaving ${left.unlabelled + left.short} order(s) alone: ${left.unlabelled} with a line not packaged in METRC at the premises, ${left.short} short of stock`;
      if (left.unlabelled + left.short && line !== leftAlone) log((leftAlone = line));
      failing = errors.length ? failing + 1 : 0;
    } catch (err) {
      failing += 1;
      log(`round failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    // Backs off while the hub is unwell rather than adding to its load (up to 5 minutes).
    if (!stopRequested) await pause(Math.min(300_000, intervalMs * 2 ** Math.min(failing, 4)));
  }
  log('stopped');
}

/**
 * Under npm start, concurrently takes the whole hub down when any child exits: the driver then
 * stays (idle) until it is told to stop, even when it has nothing to do or has failed.
 */
const underStart = process.env.DEMO_TRAFFIC_UNDER_START === '1';
const idle = () => new Promise<void>((resolve) => ['SIGTERM', 'SIGINT'].forEach((s) => process.once(s, () => resolve())));

main().then(
  async () => {
    if (underStart && !stopRequested) await idle();
    process.exit(0);
  },
  async (err: unknown) => {
    console.error('[demo-traffic]', err instanceof Error ? err.message : err);
    if (underStart && !stopRequested) await idle();
    process.exit(1);
  },
);
