import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlazeSandbox } from '../../../sandboxes/pos/blaze.js';
import { BLAZE_SANDBOX_PREFIX } from '../../../sandboxes/pos/blaze.js';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import type { RunningSandbox } from '../../../sandboxes/pos/support/serve.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, temporalClient, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { facilityLocalTime } from '../../../domain/pos/receipt.js';
import { allowPosHost, connect, countFor, mutate, rows, runSync, setFaults, stockOf, until } from './helpers.js';
import { metrcSubmissionWorkflowId } from '../../../contracts/ids.js';

describe('posSync against the vendor sandboxes', () => {
  const deps = createDeps();
  let api: RunningApi;
  let workers: RunningWorkers;
  let client: Client;
  let headers: Record<string, string>;
  const sandboxes: RunningSandbox[] = [];

  const dutchie = async (opts: Parameters<typeof createDutchieSandbox>[0] = {}) => {
    const s = await createDutchieSandbox({ items: 300, sales: 0, ...opts }).start(0);
    sandboxes.push(s);
    allowPosHost(deps, s.url);
    return s.url;
  };
  const blaze = async (opts: Parameters<typeof createBlazeSandbox>[0] = {}) => {
    const s = await createBlazeSandbox({ items: 300, sales: 0, ...opts }).start(0);
    sandboxes.push(s);
    allowPosHost(deps, s.url);
    return s.url;
  };
  const runOf = async (id: string) => (await request(api.url, 'GET', `/sync-runs/${id}`, undefined, headers)).body;

  beforeAll(async () => {
    [api, workers, client] = await Promise.all([startApi(deps), startWorkers(deps, { queues: ['sync'] }), temporalClient(deps.config)]);
    headers = await adminHeaders(deps);
  });
  afterAll(async () => {
    await workers?.stop();
    await Promise.all(sandboxes.map((s) => s.close()));
    await api?.close();
    await client?.connection.close();
    await closeDeps(deps);
  });

  it('Dutchie: takes in a snapshot, then applies changes and zeroes what disappeared', async () => {
    const url = await dutchie();
    const { world, connection } = await connect(api.url, headers, 'dutchie', url);
    expect(connection).not.toHaveProperty('credentials');
    expect(connection.health).toBe('paused');

    const first = await runSync(client, deps, connection.id);
    expect(first.status).toBe('succeeded');
    const run1 = await runOf(first.runId!);
    expect(run1).toMatchObject({ status: 'succeeded', mode: 'snapshot', counts: { fetched: 300, created: 300, updated: 0, unchanged: 0, zeroed: 0, item_errors: 0 } });
    expect(run1.progress.phase).toBe('done');
    expect(run1.duration_ms).toBeGreaterThanOrEqual(0);
    expect(await countFor(deps.sequelize, connection.id, world.wholesaler.id)).toMatchObject({ inventory: 300, products: 300, duplicates: 0 });

    // Other tests publish to the same stream; only entries after this point and naming this run count.
    const [lastBefore] = (await deps.redis.xrevrange('trellis:events', '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
    const m = await mutate(url, { changed: 5, removed: 3, added: 2 });
    const second = await runSync(client, deps, connection.id);
    const run2 = await runOf(second.runId!);
    expect(run2.counts).toEqual({ fetched: 299, created: 2, updated: 5, unchanged: 292, zeroed: 3, item_errors: 0, sales_reported: 0 });

    const removed = await stockOf(deps.sequelize, connection.id, m.removed);
    expect(removed.map((r) => r.quantity_on_hand)).toEqual([0, 0, 0]);
    const added = await stockOf(deps.sequelize, connection.id, m.added);
    expect(added).toHaveLength(2);
    // The changed items now hold exactly what the vendor serves.
    const served = (await (await fetch(`${url}/inventory`, { headers: { authorization: `Basic ${Buffer.from('demo-dutchie-location-key:demo-dutchie-integrator-key').toString('base64')}` } })).json()) as Array<{ inventoryId: number; quantityAvailable: number; unitPrice: number; externalPackageId: string }>;
    const byId = new Map(served.map((s) => [String(s.inventoryId), s]));
    for (const row of await stockOf(deps.sequelize, connection.id, m.changed)) {
      const v = byId.get(row.vendor_item_id)!;
      expect(Number(row.pos_quantity)).toBe(v.quantityAvailable);
      expect(Number(row.price_minor)).toBe(Math.round(v.unitPrice * 100));
      expect(row.metrc_package_label).toBe(v.externalPackageId);
    }

    // A few batched events, not one per row; each names the connection and samples variant ids.
    const entries = (await deps.redis.xrange('trellis:events', lastBefore?.[0] ?? '-', '+')) as Array<[string, string[]]>;
    const mine = entries
      .map(([, f]) => Object.fromEntries(f.flatMap((_, i) => (i % 2 ? [] : [[f[i], f[i + 1]]]))) as Record<string, string>)
      .filter((e) => e.connection_id === connection.id && e.run_id === second.runId);
    // 10 changed rows: one event for the snapshot batch, one for the zeroing slice.
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(mine.length).toBeLessThanOrEqual(2);
    expect(mine.every((e) => e.type === 'inventory.changed')).toBe(true);
    expect(mine.reduce((s, e) => s + Number(e.count), 0)).toBe(2 + 5 + 3);

    const conn = (await request(api.url, 'GET', `/pos-connections/${connection.id}`, undefined, headers)).body;
    expect(conn).toMatchObject({ health: 'paused', last_run: { id: second.runId, status: 'succeeded' } });
    const list = (await request(api.url, 'GET', `/sync-runs?connection_id=${connection.id}&status=succeeded`, undefined, headers)).body;
    expect(list.pagination.total).toBe(2);
    expect(list.data[0].id).toBe(second.runId);
  });

  it('BLAZE: pages changes from its cursor, keeps held METRC labels, and continues-as-new', async () => {
    const url = await blaze();
    const { world, connection } = await connect(api.url, headers, 'blaze', `${url}${BLAZE_SANDBOX_PREFIX}`);
    // 300 items at 25 per page, 2 pages per activity, 2 activities per execution: several continue-as-new.
    const small = { pageSize: 25, pagesPerActivity: 2, callsPerExecution: 2 };
    const first = await runSync(client, deps, connection.id, small);
    const run1 = await runOf(first.runId!);
    expect(run1).toMatchObject({ status: 'succeeded', mode: 'incremental', counts: { created: 300, item_errors: 0 } });
    expect(run1.progress.pages).toBe(12);
    // The run spanned several executions (continue-as-new), all under one workflow id and one run row.
    const executions = await until(async () => {
      let n = 0;
      for await (const _ of client.workflow.list({ query: `WorkflowId = '${run1.workflow_id}'` })) n++;
      return n >= 3 ? n : undefined;
    }, 15_000, 'continue-as-new executions in visibility');
    expect(executions).toBeGreaterThanOrEqual(3);
    expect(await countFor(deps.sequelize, connection.id, world.wholesaler.id)).toMatchObject({ inventory: 300, products: 300, duplicates: 0 });
    const afterFirst = (await request(api.url, 'GET', `/pos-connections/${connection.id}`, undefined, headers)).body;
    expect(afterFirst.cursor.changes.since).toBeGreaterThan(0);

    const m = await mutate(url, { changed: 4, removed: 2, added: 3 });
    // A label set by hand survives a vendor that sends none (BLAZE products carry no package tag).
    const [labelled] = await stockOf(deps.sequelize, connection.id, [m.changed[0]!]);
    const patch = await request(api.url, 'PATCH', `/inventory/${labelled!.id}`, { metrc_package_label: '1A4FF0100000022000000123' }, headers);
    expect(patch.status).toBe(200);

    const second = await runSync(client, deps, connection.id, small);
    const run2 = await runOf(second.runId!);
    expect(run2.counts).toMatchObject({ created: 3, updated: 6, zeroed: 0, item_errors: 0 });
    // Only what changed since the cursor was read (plus, at most, the item at the cursor itself).
    expect(run2.counts.fetched).toBeLessThanOrEqual(10);
    const removed = await stockOf(deps.sequelize, connection.id, m.removed);
    expect(removed.map((r) => r.quantity_on_hand)).toEqual([0, 0]);
    const [kept] = await stockOf(deps.sequelize, connection.id, [m.changed[0]!]);
    expect(kept!.metrc_package_label).toBe('1A4FF0100000022000000123');
    expect(Number(kept!.pos_quantity)).not.toBe(Number(labelled!.pos_quantity));
  });

  it('reports completed POS sales as METRC sales receipts, once, in facility-local time', async () => {
    const url = await dutchie({ sales: 40 });
    const { world, connection } = await connect(api.url, headers, 'dutchie', url, { report_sales: true });
    const first = await runSync(client, deps, connection.id);
    const run = await runOf(first.runId!);
    const subs = await rows<{ id: string; pos_sale_id: string; payload: string; license_number: string; kind: string }>(
      deps.sequelize,
      'SELECT id, pos_sale_id, payload, license_number, kind FROM metrc_submissions WHERE created_by = ?',
      [`pos-sync:${connection.id}`],
    );
    expect(subs.length).toBeGreaterThan(30); // 40 sales, a few of them voids or returns
    expect(subs.length).toBeLessThan(40);
    expect(run.counts.sales_reported).toBe(subs.length);
    expect(subs.every((s) => s.kind === 'sales_receipt' && s.license_number === world.warehouse.license_number)).toBe(true);

    const sub = subs[0]!;
    const auth = `Basic ${Buffer.from('demo-dutchie-location-key:demo-dutchie-integrator-key').toString('base64')}`;
    const [tx] = (await (await fetch(`${url}/reporting/transactions?TransactionId=${sub.pos_sale_id}&IncludeDetail=true`, { headers: { authorization: auth } })).json()) as Array<{
      transactionDate: string;
      items: Array<{ packageId: string; quantity: number; totalPrice: number }>;
    }>;
    const payload = JSON.parse(sub.payload);
    expect(payload.ExternalReceiptNumber).toBe(`POS-DUTCHIE-${sub.pos_sale_id}`);
    expect(payload.SalesDateTime).toBe(facilityLocalTime(`${tx!.transactionDate}Z`, 'America/Denver'));
    expect(payload.SalesDateTime).not.toBe(tx!.transactionDate.slice(0, 19));
    expect(payload.Transactions).toEqual(tx!.items.map((i) => expect.objectContaining({ PackageLabel: i.packageId, Quantity: i.quantity, TotalAmount: i.totalPrice })));

    // Each submission runs in its own metrcSubmission workflow on the compliance queue.
    const wf = await client.workflow.getHandle(metrcSubmissionWorkflowId(sub.id)).describe();
    expect(wf.type).toBe('metrcSubmission');
    expect(wf.taskQueue).toBe(deps.config.temporal.taskQueuePrefix + 'compliance');

    // The next run reads from the saved sales cursor (with the vendor's overlap) and queues nothing twice.
    const second = await runSync(client, deps, connection.id);
    expect((await runOf(second.runId!)).counts.sales_reported).toBe(0);
    const [again] = await rows<{ n: number }>(deps.sequelize, 'SELECT COUNT(*) AS n FROM metrc_submissions WHERE created_by = ?', [`pos-sync:${connection.id}`]);
    expect(Number(again!.n)).toBe(subs.length);
    for (const s of subs) await client.workflow.getHandle(metrcSubmissionWorkflowId(s.id)).terminate('test cleanup').catch(() => undefined);
  });

  it('records malformed vendor items as item errors and finishes the run as partial', async () => {
    const url = await dutchie({ faults: { malformedRate: 0.05 } });
    const { connection } = await connect(api.url, headers, 'dutchie', url);
    const result = await runSync(client, deps, connection.id);
    expect(result.status).toBe('partial');
    const run = await runOf(result.runId!);
    expect(run.status).toBe('partial');
    expect(run.counts.item_errors).toBeGreaterThan(0);
    expect(run.counts.created + run.counts.item_errors).toBe(300);
    const errors = (await request(api.url, 'GET', `/sync-runs/${result.runId}/item-errors?limit=5&page=1`, undefined, headers)).body;
    expect(errors.pagination.total).toBe(run.counts.item_errors);
    expect(errors.data).toHaveLength(Math.min(5, run.counts.item_errors));
    expect(errors.data[0].reason).toMatch(/missing|not understood|not a price/);
    const conn = (await request(api.url, 'GET', `/pos-connections/${connection.id}`, undefined, headers)).body;
    expect(conn.last_run.status).toBe('partial');
  });

  it('fails at once on rejected credentials and flags the connection', async () => {
    const url = await dutchie();
    const { connection } = await connect(api.url, headers, 'dutchie', url);
    await setFaults(url, { badCredentials: true });

    const err = await runSync(client, deps, connection.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const [run] = await rows<{ id: string; workflow_id: string }>(deps.sequelize, 'SELECT id, workflow_id FROM sync_runs WHERE connection_id = ?', [connection.id]);
    const detail = await runOf(run!.id);
    expect(detail).toMatchObject({ status: 'failed', error: { type: 'PosAuthError' } });
    // Non-retryable: the snapshot activity was attempted exactly once.
    const history = await client.workflow.getHandle(run!.workflow_id).fetchHistory();
    const attempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(attempts.every((a) => a === 1)).toBe(true);

    const conn = (await request(api.url, 'GET', `/pos-connections/${connection.id}`, undefined, headers)).body;
    expect(conn.health).toBe('auth_failed');
    expect(conn.auth_error).toMatch(/401/);
    const test = (await request(api.url, 'POST', `/pos-connections/${connection.id}/test`, undefined, headers)).body;
    expect(test).toMatchObject({ ok: false, error: { type: 'PosAuthError', retryable: false } });

    // Fixed keys: a successful test clears the flag.
    await setFaults(url, { badCredentials: false });
    const ok = (await request(api.url, 'POST', `/pos-connections/${connection.id}/test`, undefined, headers)).body;
    expect(ok).toMatchObject({ ok: true, identity: { vendor: 'dutchie', location_id: '1001', license_number: 'C10-0000001-LIC' } });
    expect((await request(api.url, 'GET', `/pos-connections/${connection.id}`, undefined, headers)).body.health).not.toBe('auth_failed');
  });
});
