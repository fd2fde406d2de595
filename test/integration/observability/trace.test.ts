/**
 * One order, one trace: tracing is installed the way the processes install it (platform/telemetry)
 * with an in-memory exporter, then an order is created with POST /orders, accepted and fulfilled
 * against the METRC sandbox. The METRC call's client span must lead back, parent by parent, across
 * the Temporal boundary (client start span → workflow → activity) to an API request span, carrying
 * the order id, the workflow id, the METRC licence and the HTTP status on the way.
 */
import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTelemetry } from '../../../platform/telemetry/index.js';

// Before anything instrumented is imported, as platform/telemetry/preload.ts does for the processes.
const exporter = new InMemorySpanExporter();
const telemetry = await installTelemetry({ process: 'test', spanProcessor: new SimpleSpanProcessor(exporter) });
const { adminHeaders, headersFor } = await import('../../support/auth.js');
const { request } = await import('../../support/fixtures.js');
const { closeDeps, createDeps, startApi, startWorkers } = await import('../../support/harness.js');
const { eachPackages, metrcOverrides, RETAILERS, startSandbox, WHOLESALERS } = await import('../metrc/helpers.js');
const { FAST, waitFor } = await import('../orders/helpers.js');

const SHIPPER = WHOLESALERS[0]!;
const SCRAPE_TOKEN = 'test-scrape-token-0123456789';

/** GET /metrics as Prometheus scrapes it: every sample as `name{labels}` → value. */
async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } });
  expect(res.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^(trellis_[a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$/.exec(line);
    if (m) samples.set(m[1]!, Number(m[2]));
  }
  return samples;
}
const RECIPIENT = RETAILERS[2]!;

describe('tracing and metrics: one order from POST /orders to the METRC sandbox and to completion', () => {
  let close: () => Promise<void>;
  let url: string;
  let deps: ReturnType<typeof createDeps>;
  let sandboxUrl: string;
  let templates: () => Array<{ Id: number; body: { Name: string } }>;

  beforeAll(async () => {
    const sb = await startSandbox();
    sandboxUrl = sb.running.url;
    templates = () => [...sb.sandbox.state.templates.values()] as never;
    deps = createDeps(metrcOverrides(sb.running.url, { ...FAST, METRC_MANIFEST_POLL_INTERVAL: '10m', METRC_MANIFEST_TIMEOUT: '1h', METRC_DRIFT_WATCH: '0', METRICS_TOKEN: SCRAPE_TOKEN, TEMPORAL_TASK_QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}-` }));
    const workers = await startWorkers(deps, { queues: ['orders', 'notifications', 'compliance', 'reports'] });
    const api = await startApi(deps);
    url = api.url;
    close = async () => {
      await api.close();
      await workers.stop();
      await closeDeps(deps);
      await sb.running.close();
      await telemetry.shutdown();
    };
  });
  afterAll(async () => close?.());

  it('the METRC call is a descendant of the order request through the workflows and the activity; the business counters move', async () => {
    expect(telemetry.tracing).toBe(true);
    const admin = await adminHeaders(deps);
    const post = async (path: string, body: unknown, headers = admin) => {
      const r = await request(url, 'POST', path, body, headers);
      expect(r.status, `${path} ${JSON.stringify(r.body)}`).toBe(201);
      return r.body;
    };
    const tag = randomUUID().slice(0, 8).toUpperCase();
    const site = async (type: 'wholesaler' | 'retailer', licence: string) => {
      const [rows] = await deps.sequelize.query('SELECT id, entity_id FROM locations WHERE license_number = ?', { replacements: [licence] });
      const found = (rows as Array<{ id: string; entity_id: string }>)[0];
      if (found) return { location: found.id, entity: found.entity_id };
      const e = await post('/entities', { type, name: `Traced ${type} ${tag}`, license_number: `E-${type}-${tag}`, license_state: 'CO', license_type: 'Test' });
      const l = await post('/locations', { entity_id: e.id, name: 'Premises', license_number: licence, address_line1: '1 Main St', city: 'Denver', state: 'CO', postal_code: '80202' });
      return { location: l.id as string, entity: e.id as string };
    };
    const from = await site('wholesaler', SHIPPER);
    const to = await site('retailer', RECIPIENT);
    const product = await post('/products', { entity_id: from.entity, name: `Traced flower ${tag}`, category: 'Flower' });
    const variant = await post('/product-variants', { product_id: product.id, sku: `TR-${tag}`, name: '3.5g', price_minor: 2500 });
    // A package of the sandbox's not used by the other METRC test files (they take from the front).
    const label = eachPackages(SHIPPER).at(-1 - (Date.now() % 5))!.label;
    await post('/inventory', { variant_id: variant.id, location_id: from.location, quantity_on_hand: 50, metrc_package_label: label });
    const [buyer, seller] = await Promise.all([headersFor(deps, { role: 'owner', entityId: to.entity }), headersFor(deps, { role: 'member', entityId: from.entity })]);

    const before = await scrape(url);
    exporter.reset();
    const order = await post('/orders', { retailer_id: to.entity, wholesaler_id: from.entity, ship_from_location_id: from.location, ship_to_location_id: to.location, items: [{ variant_id: variant.id, quantity: 1 }] }, buyer);
    const workflowId = `order:${order.id}`;
    expect((await request(url, 'POST', `/orders/${order.id}/transitions`, { action: 'accept' }, seller)).status).toBe(200);
    const lines = order.items.map((i: { id: string }) => ({ item_id: i.id, metrc_package_label: label }));
    const fulfilled = await request(url, 'POST', `/orders/${order.id}/transitions`, { action: 'fulfil', lines }, seller);
    expect(fulfilled.status, JSON.stringify(fulfilled.body)).toBe(200);
    const template = await waitFor('the outgoing template in the sandbox', async () => templates().find((t) => t.body.Name === order.order_number), 60_000);
    // The rest of the order's life, so its workflows end and their spans are exported too.
    expect((await fetch(`${sandboxUrl}/__sandbox/templates/${template.Id}/register-manifest`, { method: 'POST' })).status).toBe(201);
    await waitFor('the order to see its manifest', async () => (await request(url, 'GET', `/orders/${order.id}`, undefined, seller)).body.metrc.state === 'matched');
    for (const [who, action] of [[seller, 'ship'], [buyer, 'deliver'], [buyer, 'complete']] as const) {
      const r = await request(url, 'POST', `/orders/${order.id}/transitions`, { action }, who);
      expect(r.status, `${action} ${JSON.stringify(r.body)}`).toBe(200);
    }

    const sandboxPort = new URL(sandboxUrl).port;
    const spans = () => exporter.getFinishedSpans();
    // The client span of the call that created the template (a POST carrying the shipper's licence).
    const metrcCall = await waitFor(
      'the METRC client span',
      async () =>
        spans().find(
          (s) => s.kind === 2 && s.attributes['metrc.license'] === SHIPPER && s.attributes['http.method'] === 'POST' && String(s.attributes['net.peer.port']) === sandboxPort,
        ),
      30_000,
    );
    expect(metrcCall.attributes['http.status_code']).toBeGreaterThanOrEqual(200);
    expect(metrcCall.attributes['http.status_code']).toBeLessThan(300);

    // Walk up to the root: every parent must have been exported, in the same trace.
    const byId = new Map<string, ReadableSpan>();
    const chain: ReadableSpan[] = [metrcCall];
    await waitFor(
      'the whole parent chain',
      async () => {
        for (const s of spans()) byId.set(s.spanContext().spanId, s);
        chain.length = 1;
        for (let s = metrcCall; s.parentSpanId; ) {
          const parent = byId.get(s.parentSpanId);
          if (!parent) return false;
          chain.push(parent);
          s = parent;
        }
        return true;
      },
      15_000,
    );
    const names = chain.map((s) => s.name).reverse();
    const traceIds = new Set(chain.map((s) => s.spanContext().traceId));
    expect(traceIds.size, names.join(' > ')).toBe(1);

    // The root is an API request about this order; the trace goes through a workflow start by the
    // API, a workflow run and an activity on the way to METRC.
    const root = chain.at(-1)!;
    expect(root.kind, names.join(' > ')).toBe(1); // SERVER
    expect(root.name).toBe('POST /api/v1/orders');
    expect(root.attributes['http.route']).toBe('/api/v1/orders');
    expect(root.attributes['http.status_code']).toBe(201);
    const start = chain.find((s) => s.name.startsWith('StartWorkflow:'));
    expect(start, names.join(' > ')).toBeDefined();
    const run = chain.find((s) => s.name.startsWith('RunWorkflow:'));
    expect(run, names.join(' > ')).toBeDefined();
    const activity = chain.find((s) => s.name.startsWith('RunActivity:'));
    expect(activity, names.join(' > ')).toBeDefined();
    expect(chain.indexOf(activity!)).toBeLessThan(chain.indexOf(run!));
    expect(chain.indexOf(run!)).toBeLessThan(chain.indexOf(start!));
    expect(chain.indexOf(start!)).toBeLessThan(chain.indexOf(root));
    // The compliance child runs under the order's workflow: a child start span between the two runs.
    const runs = chain.filter((s) => s.name.startsWith('RunWorkflow:')).map((s) => s.name);
    expect(runs).toEqual(['RunWorkflow:metrcTransfer', 'RunWorkflow:orderLifecycle']);
    expect(chain.some((s) => s.name === 'StartChildWorkflow:metrcTransfer')).toBe(true);
    // Attributes an operator searches by.
    expect(chain.some((s) => s.attributes['trellis.order_id'] === order.id), names.join(' > ')).toBe(true);
    expect(chain.some((s) => s.attributes.temporalWorkflowId === workflowId), names.join(' > ')).toBe(true);
    console.log(`[trace] ${names.join(' > ')}`);

    // Business metrics moved with this order (the in-process workers share the API's registry, as
    // a worker process serves its own on WORKER_HEALTH_PORT).
    const after = await scrape(url);
    const moved = (sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0);
    for (const [from, to] of [['submitted', 'accepted'], ['accepted', 'fulfilled'], ['fulfilled', 'shipped'], ['shipped', 'delivered'], ['delivered', 'completed']])
      expect(moved(`trellis_order_transitions_total{from="${from}",to="${to}"}`), `${from} → ${to}`).toBeGreaterThanOrEqual(1);
    // Labelled by the submission's kind (a transfer template here), not by the workflow that sent it.
    expect(moved('trellis_metrc_submission_outcomes_total{kind="transfer_template",outcome="succeeded",error_type="none"}')).toBeGreaterThanOrEqual(1);
    expect(moved('trellis_metrc_submission_time_to_success_seconds_count{kind="transfer_template"}')).toBeGreaterThanOrEqual(1);
    expect([...after.keys()].filter((k) => k.startsWith('trellis_metrc_submission_outcomes_total{kind="metrc'))).toEqual([]);
    const deliveries = [...after.keys()].filter((k) => k.startsWith('trellis_notification_deliveries_total{'));
    expect(deliveries.reduce((n, k) => n + moved(k), 0), 'notification deliveries').toBeGreaterThanOrEqual(1);

    // The database work on the way is in the trace too (mysql2 under the order's request).
    const orderTrace = spans().filter((s) => s.spanContext().traceId === root.spanContext().traceId);
    expect(orderTrace.some((s) => s.attributes['db.system'] === 'mysql')).toBe(true);
    // Statements are shapes: no values (the order's own id and number were literals in them), no
    // connection string or database user on each span (platform/telemetry/tracing.ts).
    const db = spans().filter((s) => s.attributes['db.system'] === 'mysql');
    for (const s of db) {
      expect(String(s.attributes['db.statement'])).not.toContain(order.id);
      expect(String(s.attributes['db.statement'])).not.toContain(order.order_number);
      expect(s.attributes['db.connection_string']).toBeUndefined();
    }
    // A transition's work is in that request's trace: the update handler's span (made by our
    // workflow interceptor, workflows/interceptors/tracing.ts) is the parent of the local activity
    // it ran, which has no StartActivity span of its own.
    const all = spans();
    const ids = new Map(all.map((s) => [s.spanContext().spanId, s]));
    const handlerEvents = all.filter((s) => s.name === 'RunActivity:recordOrderEvent' && ids.get(s.parentSpanId ?? '')?.name === 'HandleUpdate:transition');
    expect(handlerEvents.length, 'recordOrderEvent under HandleUpdate:transition').toBeGreaterThanOrEqual(5);
    for (const s of handlerEvents) {
      const update = ids.get(s.parentSpanId!)!;
      expect(update.spanContext().traceId).toBe(s.spanContext().traceId);
      expect(ids.get(update.parentSpanId ?? '')?.name).toMatch(/^StartWorkflowUpdate:transition/);
    }
    expect(all.some((s) => s.name === 'StartActivity:recordOrderEvent')).toBe(false);
    // Workflow spans name their run, without the rest of WorkflowInfo copied onto each (temporal.ts).
    const orderRun = chain.find((s) => s.name === 'RunWorkflow:orderLifecycle')!;
    expect(orderRun.attributes.workflowId).toBe(workflowId);
    expect(orderRun.attributes.runId).toBeTruthy();
    expect(orderRun.attributes).not.toHaveProperty('searchAttributes');
    expect(orderRun.attributes).not.toHaveProperty('currentBuildId');
  });

  it('a finished report moves the report-rows counter by its rows, under its type', async () => {
    const admin = await adminHeaders(deps);
    const before = await scrape(url);
    const created = await request(url, 'POST', '/reports', { type: 'inventory_valuation' }, admin);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const done = await waitFor('the report to finish', async () => {
      const r = (await request(url, 'GET', `/reports/${created.body.id}`, undefined, admin)).body;
      return r.status === 'succeeded' && r;
    }, 60_000);
    const rows = Number(done.progress?.rows_done ?? done.rows_done);
    expect(rows).toBeGreaterThan(0);
    const after = await scrape(url);
    const sample = 'trellis_report_rows_total{type="inventory_valuation"}';
    expect((after.get(sample) ?? 0) - (before.get(sample) ?? 0)).toBe(rows);
  }, 90_000);
});
