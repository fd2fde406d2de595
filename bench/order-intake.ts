/**
 * bench:order-intake — POST /api/v1/orders per second (validation, auth, one transaction, the
 * workflow start) against a raw `client.workflow.start` of an empty workflow on the same server,
 * same concurrency, same process. Prints the ratio (target ≥ 0.5).
 *
 * Runs its own Temporal dev server and database like the integration tests:
 *   npm run bench:order-intake          (ORDER_BENCH_COUNT=400, ORDER_BENCH_CONCURRENCY=16)
 * ORDER_BENCH_CPU_PROFILE=<file> writes this process's CPU profile over the POSTs only.
 */
import { randomUUID } from 'node:crypto';
import { setup, teardown } from '../test/setup/global.js';
import { jsonClient } from './lib/http.js';
import { startProfile } from './lib/profile.js';

const COUNT = Number(process.env.ORDER_BENCH_COUNT ?? 400);
const CONCURRENCY = Number(process.env.ORDER_BENCH_CONCURRENCY ?? 16);

async function pool(n: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await job(next++);
    }),
  );
  return (n / (performance.now() - started)) * 1000;
}

async function main() {
  await setup(undefined as never);
  const { closeDeps, createDeps, startApi, temporalClient } = await import('../test/support/harness.js');
  const { adminHeaders } = await import('../test/support/auth.js');
  const { createWorld } = await import('../test/support/fixtures.js');
  const deps = createDeps({ LOG_LEVEL: 'error', OPENAPI_VALIDATE_RESPONSES: 'false', ORDER_ACCEPT_DEADLINE: '1h' });
  const api = await startApi(deps);
  const client = await temporalClient(deps.config);
  try {
    const headers = await adminHeaders(deps);
    const world = await createWorld(api.url, headers);
    const body = {
      retailer_id: world.retailer.id,
      wholesaler_id: world.wholesaler.id,
      ship_from_location_id: world.warehouse.id,
      ship_to_location_id: world.store.id,
      items: [{ variant_id: world.variant.id, quantity: 1 }],
    };
    const http = jsonClient(api.url, headers);
    const post = async () => {
      const r = await http.send('POST', '/orders', body);
      if (r.status !== 201) throw new Error(`POST /orders → ${r.status} ${r.body}`);
    };
    const startEmpty = async () => {
      await client.workflow.start('benchEmptyWorkflow', { taskQueue: 'bench-order-intake', workflowId: `bench-empty:${randomUUID()}` });
    };
    // Warm both paths (connections, JIT, prepared statements) before measuring.
    await pool(30, CONCURRENCY, post);
    await pool(30, CONCURRENCY, startEmpty);
    const cpu0 = process.cpuUsage();
    const baseline = await pool(COUNT, CONCURRENCY, startEmpty);
    const cpu1 = process.cpuUsage();
    const profiler = process.env.ORDER_BENCH_CPU_PROFILE ? await startProfile() : null;
    const intake = await pool(COUNT, CONCURRENCY, post);
    const cpu2 = process.cpuUsage();
    if (profiler) await profiler.stopInto(process.env.ORDER_BENCH_CPU_PROFILE!);
    // CPU per call moves less with the machine's other load than calls per second do.
    const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => ((b.user - a.user + b.system - a.system) / 1000 / COUNT).toFixed(2);
    console.log(`order intake: ${COUNT} orders, concurrency ${CONCURRENCY}`);
    console.log(`  raw client.workflow.start (empty workflow): ${baseline.toFixed(1)}/s`);
    console.log(`  POST /api/v1/orders (validate, auth, transaction, start): ${intake.toFixed(1)}/s`);
    console.log(`  ratio: ${(intake / baseline).toFixed(2)} (target >= 0.5)`);
    console.log(`  CPU ms per call in this process: POST /orders ${cpuMs(cpu1, cpu2)}, raw start ${cpuMs(cpu0, cpu1)}`);
  } finally {
    await api.close();
    await client.connection.close();
    await closeDeps(deps);
    await teardown();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    void teardown().finally(() => process.exit(1));
  },
);
