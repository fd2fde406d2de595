/**
 * One drill's hub: MariaDB, Redis and Temporal of its own, the METRC sandbox (in this process, so
 * the drill can count the records METRC holds), N API processes and M worker processes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiDeps } from '../../api/deps.js';
import { migrateUp } from '../../scripts/migrate.js';
import { createMetrcSandbox, demoSeed, demoTag, DEMO_WHOLESALERS, type MetrcSandbox, type RunningSandbox } from '../../sandboxes/metrc/index.js';
import { closeDeps, createDeps } from '../../test/support/harness.js';
import { prebuildWorkflowBundle } from '../../worker/workers.js';
import { getPort, mariadb, nodeProcess, redis, temporal, waitFor, type NodeProcess } from './processes.js';

export interface ApiProcess extends NodeProcess {
  url: string;
}

export interface Stack {
  dir: string;
  db: Awaited<ReturnType<typeof mariadb>>;
  redis: Awaited<ReturnType<typeof redis>>;
  temporal: Awaited<ReturnType<typeof temporal>>;
  metrc: MetrcSandbox;
  metrcUrl: string;
  apis: ApiProcess[];
  workers: NodeProcess[];
  /** This process's own connections to the drill's database and Redis (credentials, counting). */
  deps: ApiDeps;
  env: Record<string, string>;
  /** Starts another worker process (a replacement for a killed one). */
  addWorker(): NodeProcess;
  /** Resolves once the worker polls its task queues. */
  polling(w: NodeProcess, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  apis: number;
  workers: number;
  /** Packages each wholesaler facility holds in the sandbox (one per order line shipped). */
  packagesPerFacility: number;
  env?: Record<string, string>;
}

/** Every drill package is an "Each" package of the facility's first Each item, numbered from 100,000. */
export const drillLabel = (facilityId: number, n: number) => demoTag(facilityId, 100_000 + n);

function seedWithPackages(perFacility: number) {
  const seed = demoSeed();
  for (const f of DEMO_WHOLESALERS) {
    const item = seed.items.find((i) => i.licenseNumber === f.licenseNumber && i.unitOfMeasure === 'Each')!;
    for (let n = 0; n < perFacility; n++) {
      seed.packages.push({
        id: f.facilityId * 1_000_000 + n,
        label: drillLabel(f.facilityId, n),
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

export async function startStack(opts: StackOptions): Promise<Stack> {
  // Workers start from the prebuilt workflow bundle, as deployed (docker/Dockerfile): a replacement
  // worker that ran webpack itself took ~40 s to poll on a busy machine, long enough to eat the deadline.
  await prebuildWorkflowBundle();
  const dir = mkdtempSync(join(tmpdir(), 'trellis-drill-'));
  const [db, rd, tp] = await Promise.all([mariadb(dir), redis(dir), temporal(dir)]);
  const metrc = createMetrcSandbox({
    randomSeed: 11,
    seed: seedWithPackages(opts.packagesPerFacility),
    rateLimits: { perVendorKeyPerSecond: 100_000, perFacilityPerSecond: 100_000, methods: ['GET'] },
  });
  let running: RunningSandbox | undefined;
  const apis: ApiProcess[] = [];
  const workers: NodeProcess[] = [];
  let deps: ApiDeps | undefined;
  const close = async () => {
    await Promise.allSettled([...apis, ...workers].map((p) => p.kill('SIGTERM')));
    if (deps) await closeDeps(deps);
    await running?.close();
    await Promise.allSettled([db.stop(), rd.stop(), tp.stop()]);
    if (!process.env.DRILL_KEEP) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all([db.start(), rd.start(), tp.start()]);
    running = await metrc.start(0);
    const databaseUrl = db.url('trellis');
    await migrateUp(databaseUrl, true);
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      REDIS_URL: rd.url,
      TEMPORAL_ADDRESS: tp.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE_PREFIX: '',
      METRC_BASE_URL: running.url,
      SANDBOXES: 'false',
      OPENAPI_VALIDATE_RESPONSES: 'false',
      METRC_RATE_PER_FACILITY: '100000',
      METRC_RATE_PER_VENDOR_KEY: '100000',
      METRC_MANIFEST_POLL_INTERVAL: '1s',
      METRC_MANIFEST_TIMEOUT: '30m',
      METRC_DRIFT_WATCH: '0',
      // The settle window outlasts the chaos drill's held writes (METRC_TIMEOUT + 1 s).
      METRC_TIMEOUT: '2s',
      METRC_SETTLE_WINDOW: '4s',
      METRC_SETTLE_CHECK_INTERVAL: '200ms',
      METRC_SWEEP_DELAYS: '3s,10s',
      ORDER_ACCEPT_DEADLINE: '2h',
      ORDER_REMINDER_BEFORE: '0',
      ORDER_AUTO_COMPLETE_AFTER: '0',
      WORKER_QUEUES: 'orders,compliance,notifications',
      ...opts.env,
    };
    deps = createDeps(env);
    const addWorker = () => {
      // info: the worker says when it polls (drills wait for that before the next fault).
      const w = nodeProcess(dir, `worker-${workers.length + 1}`, 'worker/main.ts', { ...env, LOG_LEVEL: 'info' });
      workers.push(w);
      w.start();
      return w;
    };
    for (let i = 0; i < opts.apis; i++) {
      const port = await getPort();
      const p = nodeProcess(dir, `api-${i + 1}`, 'api/main.ts', { ...env, PORT: String(port) });
      apis.push(Object.assign(p, { url: `http://127.0.0.1:${port}` }));
      p.start();
    }
    for (let i = 0; i < opts.workers; i++) addWorker();
    await Promise.all(
      apis.map((a) =>
        waitFor(`${a.name} ready (see ${dir}/${a.name}.log)`, async () => {
          if (!a.running()) throw new Error(`${a.name} exited`);
          return (await fetch(`${a.url}/readyz`).catch(() => undefined))?.ok;
        }, 120_000, 300),
      ),
    );
    const polling = async (w: NodeProcess, timeoutMs = 120_000) => {
      await waitFor(`${w.name} to poll`, async () => {
        if (!w.running()) throw new Error(`${w.name} exited`);
        return w.log().includes('worker polling task queues');
      }, timeoutMs, 250);
    };
    await Promise.all(workers.map((w) => polling(w)));
    return { dir, db, redis: rd, temporal: tp, metrc, metrcUrl: running.url, apis, workers, deps, env, addWorker, polling, close };
  } catch (err) {
    await close();
    throw err;
  }
}
