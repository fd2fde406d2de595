/**
 * A worker process's observability ports: the SDK's own Prometheus metrics on
 * TEMPORAL_METRICS_BIND (task latencies, slots, sticky cache) and the worker's health port with
 * /healthz and the business /metrics behind METRICS_TOKEN, as worker/main.ts wires them.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installWorkerRuntime } from '../../../platform/composition.js';
import { logger } from '../../../platform/logger.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
const sdkPort = await freePort();
await installWorkerRuntime(logger(), { TEMPORAL_METRICS_BIND: `127.0.0.1:${sdkPort}` });
const { startHealthServer } = await import('../../../worker/health.js');
const { ordersEnv, freshStock, placeOrder, waitFor } = await import('../orders/helpers.js');
const { ownQueues } = await import('../../support/harness.js');

const TOKEN = 'worker-scrape-token-0123456789';

describe('worker health and metrics ports', () => {
  let env: Awaited<ReturnType<typeof ordersEnv>>;
  let health: Awaited<ReturnType<typeof startHealthServer>>;
  let open: Awaited<ReturnType<typeof startHealthServer>>;
  beforeAll(async () => {
    env = await ordersEnv({ env: ownQueues() });
    health = await startHealthServer({ port: 0, host: '127.0.0.1', workers: () => env.workers!.workers, metricsToken: TOKEN });
    open = await startHealthServer({ port: 0, host: '127.0.0.1', workers: () => [] });
  });
  afterAll(async () => {
    await health?.close();
    await open?.close();
    await env?.close();
  });

  it('serves the SDK metrics, health while the workers run, and business metrics only with the token', async () => {
    const { variantId } = await freshStock(env, 5);
    await placeOrder(env, [{ variant_id: variantId, quantity: 1 }]);

    // Task latencies, slots and the sticky cache, as the Temporal workers dashboard reads them.
    const names = ['temporal_workflow_task_schedule_to_start_latency_bucket', 'temporal_workflow_task_execution_latency_bucket', 'temporal_worker_task_slots_available', 'temporal_sticky_cache_size'];
    const sdk = await waitFor('SDK workflow task metrics', async () => {
      const text = await (await fetch(`http://127.0.0.1:${sdkPort}/metrics`)).text();
      return names.every((n) => text.includes(n)) ? text : undefined;
    });
    expect(sdk).toMatch(/temporal_workflow_task_schedule_to_start_latency_count\{[^}]*task_queue="[^"]*orders"[^}]*\} [1-9]/);

    const base = `http://127.0.0.1:${health.port}`;
    const ok = await fetch(`${base}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'ok', workers: expect.arrayContaining(['RUNNING']) });
    expect((await fetch(`http://127.0.0.1:${open.port}/healthz`)).status).toBe(503); // no running worker

    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
    const scraped = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('trellis_order_transitions_total');
    // Without a configured token the endpoint does not exist, rather than being open.
    expect((await fetch(`http://127.0.0.1:${open.port}/metrics`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});
