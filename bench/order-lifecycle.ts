/**
 * bench:order-lifecycle — N orders (ORDER_BENCH_COUNT, default 1000) driven through the API:
 * accept → fulfil (labels of packages the METRC sandbox holds) → the real metrcTransfer child
 * creates the template → this bench registers the manifest in the sandbox as each template
 * appears (no compliance override) → matched → ship → deliver → complete. Completions per
 * second are compared with a minimal workflow running the same number of (no-op) activities,
 * with the same number in flight, on the same Temporal server in the same process.
 *
 * Orders are created (POST /orders, measured by bench:order-intake) before the clock starts.
 * Runs its own Temporal dev server, database and in-process METRC sandbox:
 *   npm run bench:order-lifecycle      (ORDER_BENCH_COUNT=1000, ORDER_BENCH_CONCURRENCY=50)
 * ORDER_BENCH_EVENTS=1 prints history events per type; ORDER_BENCH_CPU_PROFILE=<file> writes this
 * process's CPU profile over the orders (open it in Chrome DevTools); ORDER_BENCH_QUERY_LOG=1 prints
 * the database statements per order (server general log, needs SET GLOBAL).
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import type { Sequelize } from 'sequelize';
import { setup, teardown } from '../test/setup/global.js';
import { jsonClient } from './lib/http.js';
import {
  createMetrcSandbox,
  demoSeed,
  demoTag,
  DEMO_RETAILERS,
  DEMO_WHOLESALERS,
} from '../sandboxes/metrc/index.js';
import { orderWorkflowId } from '../contracts/ids.js';
import { startProfile } from './lib/profile.js';

const COUNT = Number(process.env.ORDER_BENCH_COUNT ?? 1000);
const CONCURRENCY = Number(process.env.ORDER_BENCH_CONCURRENCY ?? 50);
const WARMUP = Math.min(10, COUNT);
const BASELINE_QUEUE = 'bench-order-lifecycle';

async function pool(n: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await job(next++);
    }),
  );
  return performance.now() - started;
}

/** Demo seed plus one fresh "Each" package per bench order for every wholesaler facility. */
function seedWithPackages(perFacility: number) {
  const seed = demoSeed();
  for (const f of DEMO_WHOLESALERS) {
    const item = seed.items.find((i) => i.licenseNumber === f.licenseNumber && i.unitOfMeasure === 'Each')!;
    for (let n = 0; n < perFacility; n++) {
      seed.packages.push({
        id: f.facilityId * 1_000_000 + n,
        label: demoTag(f.facilityId, 100_000 + n),
        licenseNumber: f.licenseNumber,
        itemId: item.id,
        itemName: item.name,
        category: item.category,
        quantity: 100,
        unitOfMeasure: 'Each',
        packagedDate: '2026-01-05',
        lastModified: '2026-01-05T15:00:00.000Z',
      });
    }
  }
  return seed;
}

/** CPU seconds so far: this process, the machine's busy time, and a few servers by name. */
async function cpuTimes() {
  const { readFile, readdir } = await import('node:fs/promises');
  const tick = 100; // USER_HZ on Linux
  const stat = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const busy = (stat[0]! + stat[1]! + stat[2]! + stat[5]! + stat[6]! + stat[7]!) / tick;
  const byName: Record<string, number> = {};
  for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    try {
      const raw = await readFile(`/proc/${pid}/stat`, 'utf8');
      const name = raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')'));
      const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      const key = /^(temporal|mariadbd|mysqld|redis-server)$/.test(name) ? name : null;
      if (key) byName[key] = (byName[key] ?? 0) + (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      // the process ended meanwhile
    }
  }
  // This process by thread: the event loop, the SDK core's tokio threads, everything else
  // (workflow threads, GC helpers, libuv pool).
  for (const tid of await readdir('/proc/self/task')) {
    try {
      const raw = await readFile(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')'));
      const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      const key = tid === String(process.pid) ? 'event loop' : name.startsWith('tokio') ? 'SDK core' : 'other threads';
      byName[key] = (byName[key] ?? 0) + (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      // the thread ended meanwhile
    }
  }
  const own = process.cpuUsage();
  return { busy, own: (own.user + own.system) / 1e6, byName };
}

function cpuShare(
  a: Awaited<ReturnType<typeof cpuTimes>>,
  b: Awaited<ReturnType<typeof cpuTimes>>,
  ms: number,
): string {
  const pct = (s: number) => `${Math.round((100 * s) / (ms / 1000))}%`;
  const parts = [`machine ${pct(b.busy - a.busy)}`, `this node process ${pct(b.own - a.own)}`];
  for (const k of Object.keys(b.byName)) parts.push(`${k} ${pct(b.byName[k]! - (a.byName[k] ?? 0))}`);
  return parts.join(', ');
}

function cpuPer(a: Awaited<ReturnType<typeof cpuTimes>>, b: Awaited<ReturnType<typeof cpuTimes>>, n: number): string {
  const ms = (s: number) => ((1000 * s) / n).toFixed(1);
  const parts = [`machine ${ms(b.busy - a.busy)}`, `this node process ${ms(b.own - a.own)}`];
  for (const k of Object.keys(b.byName)) parts.push(`${k} ${ms(b.byName[k]! - (a.byName[k] ?? 0))}`);
  return parts.join(', ');
}

/**
 * The database server's general log over the orders only (ORDER_BENCH_QUERY_LOG=1; needs a user
 * allowed to SET GLOBAL): statements per order, grouped by shape (literals folded to ?).
 */
async function startQueryLog(sequelize: Sequelize) {
  await sequelize.query("SET GLOBAL log_output = 'TABLE'");
  await sequelize.query('TRUNCATE mysql.general_log');
  await sequelize.query('SET GLOBAL general_log = 1');
  return {
    async stopAndPrint(orders: number) {
      await sequelize.query('SET GLOBAL general_log = 0');
      const [rows] = await sequelize.query(
        `SELECT LEFT(REGEXP_REPLACE(CONVERT(argument USING utf8mb4), '[0-9a-f-]{36}|[0-9]+', '?'), 100) AS shape, COUNT(*) AS n
           FROM mysql.general_log WHERE command_type = 'Query' GROUP BY shape ORDER BY n DESC`,
      );
      const all = rows as Array<{ shape: string; n: number }>;
      console.log(
        `  database round trips per order: ${(all.reduce((a, r) => a + Number(r.n), 0) / orders).toFixed(1)}`,
      );
      for (const r of all.slice(0, 25))
        console.log(`    ${(Number(r.n) / orders).toFixed(2).padStart(6)}  ${r.shape.replace(/\s+/g, ' ')}`);
    },
  };
}

async function main() {
  await setup(undefined as never);
  const { closeDeps, createDeps, startApi, startWorkers, temporalClient } = await import('../test/support/harness.js');
  const { adminHeaders, headersFor } = await import('../test/support/auth.js');
  const { request } = await import('../test/support/fixtures.js');
  const { NativeConnection, Worker } = await import('@temporalio/worker');
  const { temporalSettings } = await import('../temporal.config.js');
  const { EVENTS_STREAM } = await import('../activities/orders.js');

  const total = COUNT + WARMUP;
  const perFacility = Math.ceil(total / DEMO_WHOLESALERS.length) + 5;
  const sandbox = createMetrcSandbox({
    randomSeed: 3,
    seed: seedWithPackages(perFacility),
    rateLimits: { perVendorKeyPerSecond: 100_000, perFacilityPerSecond: 100_000, methods: ['GET'] },
  });
  const running = await sandbox.start(0);
  const deps = createDeps({
    LOG_LEVEL: 'error',
    OPENAPI_VALIDATE_RESPONSES: 'false',
    METRC_BASE_URL: running.url,
    METRC_RATE_PER_FACILITY: '100000',
    METRC_RATE_PER_VENDOR_KEY: '100000',
    METRC_MANIFEST_POLL_INTERVAL: '1s',
    METRC_MANIFEST_TIMEOUT: '30m',
    METRC_DRIFT_WATCH: '0',
    ORDER_ACCEPT_DEADLINE: '2h',
    ORDER_REMINDER_BEFORE: '0',
    ORDER_AUTO_COMPLETE_AFTER: '0',
    TEMPORAL_RETRY_INITIAL_INTERVAL_MS: '200',
  });
  const settings = temporalSettings(deps.config);
  const workers = await startWorkers(deps, { queues: ['orders', 'notifications', 'compliance'] });
  const baselineConnection = await NativeConnection.connect({ address: settings.address });
  const baselineWorker = await Worker.create({
    connection: baselineConnection,
    namespace: settings.namespace,
    taskQueue: BASELINE_QUEUE,
    workflowsPath: fileURLToPath(new URL('./lib/minimalLifecycle.ts', import.meta.url)),
    activities: { benchNoop: async (step: number) => step },
  });
  const baselineRun = baselineWorker.run();
  const api = await startApi(deps);
  const client = await temporalClient(deps.config);
  const events = deps.redis.duplicate();
  let stopping = false;
  let lost: string | null = null;

  try {
    const admin = await adminHeaders(deps);
    const post = async (path: string, body: unknown, headers = admin) => {
      const r = await request(api.url, 'POST', path, body, headers);
      if (r.status !== 201) throw new Error(`POST ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const address = { address_line1: '1 Main St', city: 'Denver', state: 'CO', postal_code: '80202' };
    /** A trading partner and its licensed premises, holding one of the sandbox's facility licenses. */
    const licensedSite = async (
      type: 'wholesaler' | 'retailer',
      f: { name: string; licenseType: string; licenseNumber: string },
      entityLicense: string,
    ) => {
      const e = await post('/entities', {
        type,
        name: f.name,
        license_number: entityLicense,
        license_state: 'CO',
        license_type: f.licenseType,
      });
      const loc = await post('/locations', {
        entity_id: e.id,
        name: f.name,
        license_number: f.licenseNumber,
        ...address,
      });
      return { e, loc };
    };
    // Every wholesaler × retailer license pair of the sandbox, as real trading partners.
    const wholesalers = await Promise.all(
      DEMO_WHOLESALERS.map(async (f, n) => {
        const { e, loc } = await licensedSite('wholesaler', f, `BW-${n}`);
        const product = await post('/products', {
          entity_id: e.id,
          name: 'Blue Dream Flower 3.5g',
          category: 'Flower',
        });
        const variants = await Promise.all(
          Array.from({ length: 10 }, async (_, v) => {
            const variant = await post('/product-variants', {
              product_id: product.id,
              sku: `BD-${n}-${v}`,
              name: `jar ${v}`,
              price_minor: 2500,
            });
            const stock = await post('/inventory', { variant_id: variant.id, location_id: loc.id, quantity_on_hand: total * 2 });
            return { variant: variant.id as string, inventory: stock.id as string };
          }),
        );
        // The sandbox's packages for this facility, known to the hub as a POS sync records them:
        // fulfilment names only packages the hub knows at the ship-from premises (issue 14.1).
        const connection = randomUUID();
        await deps.sequelize.query(`INSERT INTO pos_connections (id, entity_id, location_id, vendor, credentials_enc) VALUES (?, ?, ?, 'dutchie', 'bench')`, {
          replacements: [connection, e.id, loc.id],
        });
        const run = randomUUID();
        const packages = Array.from({ length: perFacility }, (_, k) => [randomUUID(), connection, `bench-${k}`, variants[0]!.inventory, demoTag(f.facilityId, 100_000 + k), 100, run]);
        await deps.sequelize.query(
          `INSERT INTO inventory_packages (id, pos_connection_id, vendor_item_id, inventory_id, metrc_package_label, pos_quantity, pos_seen_run) VALUES ${packages.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          { replacements: packages.flat() },
        );
        return {
          id: e.id as string,
          location: loc.id as string,
          license: f.licenseNumber,
          facilityId: f.facilityId,
          variants: variants.map((v) => v.variant),
          headers: await headersFor(deps, { role: 'member', entityId: e.id }),
        };
      }),
    );
    const retailers = await Promise.all(
      DEMO_RETAILERS.map(async (f, n) => {
        const { e, loc } = await licensedSite('retailer', f, `BR-${n}`);
        return {
          id: e.id as string,
          location: loc.id as string,
          headers: await headersFor(deps, { role: 'owner', entityId: e.id }),
        };
      }),
    );

    // Orders exist before the clock starts (intake has its own bench).
    const labelsUsed = new Map<string, number>();
    const orders: Array<{
      id: string;
      number: string;
      items: Array<{ id: string }>;
      w: (typeof wholesalers)[number];
      r: (typeof retailers)[number];
    }> = [];
    await pool(total, 16, async (i) => {
      const w = wholesalers[i % wholesalers.length]!;
      const r = retailers[Math.floor(i / wholesalers.length) % retailers.length]!;
      const o = await post(
        '/orders',
        {
          retailer_id: r.id,
          wholesaler_id: w.id,
          ship_from_location_id: w.location,
          ship_to_location_id: r.location,
          items: [{ variant_id: w.variants[i % w.variants.length], quantity: 1 }],
        },
        r.headers,
      );
      orders[i] = { id: o.id, number: o.order_number, items: o.items, w, r };
    });

    // The driver's own HTTP cost counts in this process: keep-alive node:http, not fetch (bench/lib/http.ts).
    const http = jsonClient(api.url, {}, CONCURRENCY);
    const metrcUser = jsonClient(running.url, {}, 4, '');
    // Manifests: a METRC user registers each template as soon as it shows up in the sandbox.
    const registered = new Set<number>();
    let registerFailures = 0;
    const registrar = (async () => {
      while (!stopping) {
        for (const t of sandbox.state.templates.values()) {
          if (registered.has(t.Id)) continue;
          registered.add(t.Id);
          // A refused registration is counted and printed; one the network broke is tried again.
          const res = await metrcUser.send('POST', `/__sandbox/templates/${t.Id}/register-manifest`).catch((err: unknown) => ({ status: 0, body: String(err) }));
          if (res.status !== 201) registerFailures += 1;
          if (res.status === 0) registered.delete(t.Id);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    // The order's METRC progress arrives on the realtime stream; one reader wakes the waiters.
    const matchedWaiters = new Map<string, () => void>();
    const matchedSeen = new Set<string>();
    const reader = (async () => {
      let last = '$';
      while (!stopping) {
        const res = (await events.xread('BLOCK', 500, 'STREAMS', EVENTS_STREAM, last).catch((err: unknown) => {
          if (stopping) return null;
          throw err;
        })) as Array<[string, Array<[string, string[]]>]> | null;
        for (const [, entries] of res ?? []) {
          for (const [id, fields] of entries) {
            last = id;
            const f: Record<string, string> = {};
            for (let k = 0; k < fields.length; k += 2) f[fields[k]!] = fields[k + 1]!;
            if (f.type === 'order.metrc_status' && f.metrc_state === 'matched' && f.order_id) {
              matchedSeen.add(f.order_id);
              matchedWaiters.get(f.order_id)?.();
            }
          }
        }
      }
    })();
    const matched = (orderId: string) =>
      new Promise<void>((resolve) => {
        if (matchedSeen.has(orderId)) return resolve();
        matchedWaiters.set(orderId, resolve);
      });

    let failed = 0;
    const failures: string[] = [];
    const laps = new Map<string, number>();
    const drive = async (i: number) => {
      const o = orders[i]!;
      const step = async (headers: Record<string, string>, body: Record<string, unknown>, want: string) => {
        for (let attempt = 1; ; attempt++) {
          const res = await http.send('POST', `/orders/${o.id}/transitions`, body, headers);
          const r = { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
          if (r.status === 200 && r.body.status === want) return;
          // A 503 is "retry shortly" by contract; anything else is a bench failure.
          if (r.status !== 503 || attempt >= 3)
            throw new Error(`${String(body.action)} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        }
      };
      let t = performance.now();
      const lap = (name: string) => {
        const now = performance.now();
        laps.set(name, (laps.get(name) ?? 0) + now - t);
        t = now;
      };
      try {
        await step(o.w.headers, { action: 'accept' }, 'accepted');
        lap('accept');
        const n = labelsUsed.get(o.w.license) ?? 0;
        labelsUsed.set(o.w.license, n + o.items.length);
        const lines = o.items.map((it, k) => ({
          item_id: it.id,
          metrc_package_label: demoTag(o.w.facilityId, 100_000 + n + k),
        }));
        const seen = matched(o.id);
        await step(o.w.headers, { action: 'fulfil', lines }, 'fulfilled');
        lap('fulfil');
        await seen;
        lap('METRC matched');
        await step(o.w.headers, { action: 'ship' }, 'shipped');
        lap('ship');
        await step(o.r.headers, { action: 'deliver' }, 'delivered');
        lap('deliver');
        await step(o.r.headers, { action: 'complete' }, 'completed');
        lap('complete');
      } catch (err) {
        failed += 1;
        if (failures.length < 5) failures.push(`${o.number}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };

    // Warm-up orders also tell how many activities one order's lifecycle runs.
    await pool(WARMUP, WARMUP, drive);
    let activities = 0;
    let localActivities = 0;
    let workflowsSeen = 0;
    const eventTypes = new Map<string, number>();
    for (const o of orders.slice(0, WARMUP)) {
      const [subs] = await deps.sequelize.query('SELECT id FROM metrc_submissions WHERE order_id = ?', {
        replacements: [o.id],
      });
      const ids = [
        `order:${o.id}`,
        `metrc-transfer:order:${o.id}`,
        ...(subs as Array<{ id: string }>).map((s) => `metrc:${s.id}`),
      ];
      for (const wid of ids) {
        // A template sent by the transfer itself has no submission workflow.
        const history = await client.workflow
          .getHandle(wid)
          .fetchHistory()
          .catch((err: unknown) => {
            // gRPC NOT_FOUND (5), as the raw service error or the client's wrapper.
            const e = err as { code?: number; cause?: { code?: number }; name?: string };
            if (e.code === 5 || e.cause?.code === 5 || e.name === 'WorkflowNotFoundError') return { events: [] };
            throw err;
          });
        // Local activities (markers) are activities too: the baseline runs as many, all regular.
        activities += (history.events ?? []).filter(
          (e) =>
            e.activityTaskScheduledEventAttributes ||
            e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
        ).length;
        localActivities += (history.events ?? []).filter(
          (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
        ).length;
        if (history.events?.length) workflowsSeen += 1;
        for (const e of history.events ?? []) {
          const t = `${wid.split(':')[0]}:${proto.temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType)}`;
          eventTypes.set(t, (eventTypes.get(t) ?? 0) + 1);
        }
      }
    }
    const perOrder = Math.round(activities / WARMUP);
    const eventsPerOrder = [...eventTypes.values()].reduce((a, b) => a + b, 0) / WARMUP;
    if (process.env.ORDER_BENCH_EVENTS) {
      for (const [t, n] of [...eventTypes].sort()) console.log(`    ${t}: ${(n / WARMUP).toFixed(1)}`);
    }

    const baseline = (n: number) =>
      pool(n, CONCURRENCY, async () => {
        await client.workflow.execute('benchMinimalLifecycle', {
          taskQueue: BASELINE_QUEUE,
          workflowId: `bench-lifecycle:${randomUUID()}`,
          args: [perOrder],
        });
      });
    // The dev server slows as its database grows, so the baseline runs half before and half after
    // the orders: neither side gets the emptier server.
    await baseline(Math.min(30, COUNT));
    const firstHalf = Math.floor(COUNT / 2);
    const baselineBeforeMs = await baseline(firstHalf);
    const queryLog = process.env.ORDER_BENCH_QUERY_LOG ? await startQueryLog(deps.sequelize) : null;
    const profiler = process.env.ORDER_BENCH_CPU_PROFILE ? await startProfile() : null;
    laps.clear();
    const cpuBefore = await cpuTimes();
    const metrcRequestsBefore = sandbox.state.counters.requests;
    const orderMs = await pool(COUNT, CONCURRENCY, (i) => drive(WARMUP + i));
    const cpuAfter = await cpuTimes();
    const metrcRequests = sandbox.state.counters.requests - metrcRequestsBefore;
    if (profiler) await profiler.stopInto(process.env.ORDER_BENCH_CPU_PROFILE!);
    if (queryLog) await queryLog.stopAndPrint(COUNT);
    const baselineCpuBefore = await cpuTimes();
    const baselineAfterMs = await baseline(COUNT - firstHalf);
    const baselineCpuAfter = await cpuTimes();
    const baselineMs = baselineBeforeMs + baselineAfterMs;

    // Count completions from the source of truth, not from the driver's own bookkeeping.
    const benchIds = orders.slice(WARMUP).map((o) => o.id);
    const [rows] = await deps.sequelize.query(
      "SELECT COUNT(*) AS n FROM orders WHERE id IN (?) AND status = 'completed' AND metrc_state = 'matched' AND compliance_override_reason IS NULL",
      { replacements: [benchIds] },
    );
    const completed = Number((rows as Array<{ n: number }>)[0]!.n);
    let workflowsDone = 0;
    await pool(benchIds.length, 20, async (i) => {
      const d = await client.workflow.getHandle(orderWorkflowId(benchIds[i]!)).describe();
      if (d.status.name === 'COMPLETED') workflowsDone += 1;
    });

    const orderRate = (COUNT / orderMs) * 1000;
    const baseRate = (COUNT / baselineMs) * 1000;
    console.log(
      `order lifecycle: ${COUNT} orders, concurrency ${CONCURRENCY}, ${perOrder} activities per order (${Math.round(localActivities / WARMUP)} of them local; workflows per order: ${(workflowsSeen / WARMUP).toFixed(1)})`,
    );
    console.log(
      `  history events per order (all its workflows): ${eventsPerOrder.toFixed(1)}; the baseline's: ${perOrder * 6 + 5}`,
    );
    console.log(
      `  manifests registered by the bench as templates appeared (no compliance override); register failures: ${registerFailures}`,
    );
    console.log(
      `  minimal workflow with ${perOrder} no-op activities: ${baseRate.toFixed(1)} completions/s (${(baselineMs / 1000).toFixed(1)} s)`,
    );
    console.log(
      `  order lifecycle accept → fulfil → METRC matched → ship → deliver → complete: ${orderRate.toFixed(1)} completions/s (${(orderMs / 1000).toFixed(1)} s)`,
    );
    console.log(`  ratio: ${(orderRate / baseRate).toFixed(2)} (target >= 0.5)`);
    console.log(
      `  ${completed} of ${COUNT} complete (status completed, METRC matched, no override); ${workflowsDone} of ${COUNT} order workflows COMPLETED; driver failures: ${failed}`,
    );
    for (const f of failures) console.log(`    ${f}`);
    // A lost order is a failed run, whatever the rate: the exit status says so (issue 22).
    if (completed !== COUNT || workflowsDone !== COUNT || failed > 0)
      lost = `LOST ORDERS: ${COUNT - completed} of ${COUNT} not complete, ${COUNT - workflowsDone} workflows not COMPLETED, ${failed} driver failures`;
    console.log(
      `  METRC sandbox requests per order (client and bench's manifest registration): ${(metrcRequests / COUNT).toFixed(1)}`,
    );
    console.log(
      `  mean time per order in each step (ms): ${[...laps].map(([k, v]) => `${k} ${(v / COUNT).toFixed(0)}`).join(', ')}`,
    );
    console.log(`  CPU while the orders ran (% of one core): ${cpuShare(cpuBefore, cpuAfter, orderMs)}`);
    console.log(`  CPU ms per completion, lifecycle: ${cpuPer(cpuBefore, cpuAfter, COUNT)}`);
    console.log(
      `  CPU ms per completion, baseline (second half): ${cpuPer(baselineCpuBefore, baselineCpuAfter, COUNT - firstHalf)}`,
    );
    stopping = true;
    await Promise.all([registrar, reader]);
    http.close();
    metrcUser.close();
  } finally {
    stopping = true;
    events.disconnect();
    await api.close();
    await client.connection.close();
    baselineWorker.shutdown();
    await baselineRun.catch(() => undefined);
    await baselineConnection.close();
    await workers.stop();
    await closeDeps(deps);
    await running.close();
    await teardown();
  }
  if (lost) throw new Error(lost);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    void teardown().finally(() => process.exit(1));
  },
);
