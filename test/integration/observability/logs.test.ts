/**
 * Log lines carry the trace: with tracing on, the API's request line for POST /orders and the
 * worker's lines for the order workflow's activities (written through Temporal's Runtime logger,
 * which the workers route to pino) name the same trace_id as the request's span, and the worker
 * lines name the workflow id and run id. Secrets the requests carried appear on no line.
 */
import { Writable } from 'node:stream';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installWorkerRuntime } from '../../../platform/composition.js';
import { logger, setLogDestination } from '../../../platform/logger.js';
import { installTelemetry } from '../../../platform/telemetry/index.js';

// Debug, so the SDK's own "Activity completed" lines are written; before the logger's first use.
process.env.LOG_LEVEL = 'debug';
const lines: Array<Record<string, unknown>> = [];
const raw: string[] = [];
setLogDestination(
  new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  }),
);
const exporter = new InMemorySpanExporter();
const telemetry = await installTelemetry({ process: 'test', spanProcessor: new SimpleSpanProcessor(exporter) });
// The worker processes' Runtime: Temporal's logger writes through pino (the harness then keeps it).
await installWorkerRuntime(logger());
const { call, freshStock, ordersEnv, waitFor } = await import('../orders/helpers.js');
const { ownQueues } = await import('../../support/harness.js');

describe('log lines carry trace ids (api and worker)', () => {
  let env: Awaited<ReturnType<typeof ordersEnv>>;
  beforeAll(async () => {
    env = await ordersEnv({ env: { ...ownQueues(), LOG_LEVEL: 'debug' } });
  });
  afterAll(async () => {
    await env?.close();
    await telemetry.shutdown();
  });

  it('the order request and its workflow activities log the request trace id; no secret is logged', async () => {
    const { variantId } = await freshStock(env, 10);
    const created = await call(env, env.retailer, 'POST', '/orders', {
      retailer_id: env.world.retailer.id,
      wholesaler_id: env.world.wholesaler.id,
      ship_from_location_id: env.world.warehouse.id,
      ship_to_location_id: env.world.store.id,
      items: [{ variant_id: variantId, quantity: 1 }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const workflowId = `order:${created.body.id}`;
    const span = await waitFor('the request span', async () => exporter.getFinishedSpans().find((s) => s.name === 'POST /api/v1/orders'), 10_000);
    const traceId = span.spanContext().traceId;

    // The API's one line for the request.
    const apiLine = await waitFor('the request log line', async () =>
      lines.find((l) => (l.req as { method?: string; url?: string } | undefined)?.method === 'POST' && (l.req as { url: string }).url === '/api/v1/orders' && (l.res as { statusCode?: number } | undefined)?.statusCode === 201),
    );
    expect(apiLine.trace_id).toBe(traceId);
    expect(apiLine.span_id).toBe(span.spanContext().spanId);

    // The worker's lines: the order workflow's, with its workflow id and run id; and those of the
    // activities the request caused (its notifications), with the request's trace.
    const started = await waitFor('the order workflow log line', async () => lines.find((l) => l.msg === 'Workflow started' && l.workflow_id === workflowId));
    expect(started.run_id).toMatch(/^[0-9a-f-]{36}$/);
    const workerLine = await waitFor('an activity log line in the request trace', async () =>
      lines.find((l) => l.msg === 'Activity completed' && l.trace_id === traceId),
    );
    expect(workerLine.workflow_id).toEqual(expect.any(String));
    expect(workerLine.run_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(workerLine).not.toHaveProperty('taskToken');
    expect(workerLine.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(workerLine.span_id).not.toBe(span.spanContext().spanId);

    // What authenticated the requests never reaches a log line.
    const secrets = Object.values({ ...env.retailer, ...env.admin }).flatMap((v) => v.split(/[ ;=]/)).filter((v) => v.length >= 20);
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(raw.some((l) => l.includes(secret)), 'a credential in the logs').toBe(false);
  });
});
