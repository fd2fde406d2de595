/**
 * POS voids and returns end to end: sales rung up in the vendor sandboxes are reported as METRC
 * receipts (the real sync and submission workflows against the METRC sandbox), then voided or
 * returned in the POS; the next sync voids or updates those receipts in METRC, once, and a sync
 * that sees the same events again queues nothing. Also: a receipt that never reached METRC is
 * withdrawn or discarded instead of being sent and undone.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLAZE_SANDBOX_PREFIX, createBlazeSandbox } from '../../../sandboxes/pos/blaze.js';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import type { RunningSandbox } from '../../../sandboxes/pos/support/serve.js';
import type { SbReceipt } from '../../../sandboxes/metrc/store.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, temporalClient, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { eachPackages, metrcOverrides, RETAILERS, startSandbox, type SandboxHandle } from '../metrc/helpers.js';
import { allowPosHost, credentialsFor, rows, runSync, until } from './helpers.js';

const LICENSE = RETAILERS[2]!;

interface SubRow {
  id: string;
  kind: string;
  status: string;
  pos_sale_id: string;
  natural_key: string;
  discard_reason: string | null;
  metrc_ids: string | null;
}

describe('POS voids and returns reach METRC', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let sync: RunningWorkers;
  let compliance: RunningWorkers | undefined;
  let client: Client;
  let headers: Record<string, string>;
  let site: { entityId: string; locationId: string };
  const pos: RunningSandbox[] = [];
  const labels = eachPackages(LICENSE).map((p) => p.label);
  let nextLabel = 0;

  const metrcQuantity = (label: string) => sb.sandbox.state.packages.get(label)!.Quantity;
  const receiptsFor = (external: string): SbReceipt[] => [...sb.sandbox.state.receipts.values()].filter((r) => r.ExternalReceiptNumber === external);
  const lines = (r: SbReceipt) => r.Transactions.map((t) => [t.PackageLabel, t.Quantity, t.TotalAmount]);

  const sorted = (subs: SubRow[]) => [...subs].sort((x, y) => x.kind.localeCompare(y.kind) || Number(x.pos_sale_id) - Number(y.pos_sale_id));
  const subsOf = (connectionId: string) =>
    rows<SubRow>(
      deps.sequelize,
      'SELECT id, kind, status, pos_sale_id, natural_key, discard_reason, metrc_ids FROM metrc_submissions WHERE created_by = ? ORDER BY created_at, id',
      [`pos-sync:${connectionId}`],
    );
  /**
   * The connection's submissions after the first `baseline`, once there are `count` of them and
   * all are final (a waiting change, or a failed one waiting for a person, is not).
   */
  const settled = (connectionId: string, count: number, baseline = 0) =>
    until(
      async () => {
        const subs = (await subsOf(connectionId)).slice(baseline);
        return subs.length === count && subs.every((s) => s.status === 'succeeded' || s.status === 'discarded') ? subs : undefined;
      },
      90_000,
      `${count} settled submissions`,
    );

  async function posAdmin(url: string, path: string, body: unknown = {}): Promise<string> {
    const res = await fetch(`${url}/__sandbox/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const b = (await res.json()) as { sale?: string; error?: string };
    if (res.status !== 201) throw new Error(`${path} → ${res.status} ${b.error}`);
    return b.sale!;
  }

  async function connect(vendor: 'dutchie' | 'blaze', baseUrl: string) {
    const res = await request(
      api.url,
      'POST',
      '/pos-connections',
      { entity_id: site.entityId, location_id: site.locationId, vendor, credentials: credentialsFor(vendor), base_url: baseUrl, interval_seconds: 3600, paused: true, report_sales: true },
      headers,
    );
    if (res.status !== 201) throw new Error(`connection → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  }

  // One Dutchie store for the Dutchie tests (a location has one connection per vendor, and sale
  // ids name receipts): its first four countable items carry METRC packages of LICENSE.
  let dutchie: { url: string; connectionId: string; items: { id: string; label: string; price: number }[]; unlabelled: string };

  beforeAll(async () => {
    sb = await startSandbox();
    deps = createDeps(metrcOverrides(sb.running.url));
    [api, sync, compliance, client] = await Promise.all([
      startApi(deps),
      startWorkers(deps, { queues: ['sync'] }),
      startWorkers(deps, { queues: ['compliance'] }),
      temporalClient(deps.config),
    ]);
    headers = await adminHeaders(deps);
    const tag = randomUUID().slice(0, 8).toUpperCase();
    const entity = await request(api.url, 'POST', '/entities', { type: 'retailer', name: `Boulder Leaf ${tag}`, license_number: `E-${tag}`, license_state: 'CO', license_type: 'Retail' }, headers);
    const loc = await request(api.url, 'POST', '/locations', { entity_id: entity.body.id, name: 'Store', license_number: LICENSE, address_line1: '1 Pearl St', city: 'Boulder', state: 'CO', postal_code: '80302' }, headers);
    expect(loc.status, JSON.stringify(loc.body)).toBe(201);
    site = { entityId: entity.body.id, locationId: loc.body.id };

    const sandbox = createDutchieSandbox({ items: 40, sales: 0, seed: 4242 });
    const items: { id: string; label: string; price: number }[] = [];
    let unlabelled = '';
    for (let i = 0; items.length < 4 || !unlabelled; i++) {
      const item = sandbox.state.catalog.get(i);
      if (item.unit !== 'each' || items.length === 4) {
        unlabelled ||= String(1 + i); // its synthetic tag is unknown to METRC
        continue;
      }
      const label = labels[nextLabel++]!;
      sandbox.state.catalog.relabel(i, label);
      items.push({ id: String(1 + i), label, price: item.priceCents / 100 });
    }
    const running = await sandbox.start(0);
    pos.push(running);
    allowPosHost(deps, running.url);
    dutchie = { url: running.url, connectionId: await connect('dutchie', running.url), items, unlabelled };
  });
  afterAll(async () => {
    await Promise.all([sync?.stop(), compliance?.stop()]);
    await Promise.all(pos.map((p) => p.close()));
    await api?.close();
    await client?.connection.close();
    await closeDeps(deps);
    await sb?.running.close();
  });

  it('Dutchie: a voided sale voids its receipt, returns update it down, returning the rest voids it; nothing twice', async () => {
    const { url, connectionId } = dutchie;
    const items = dutchie.items.slice(0, 3);
    const [a, b, c] = items as [(typeof items)[0], (typeof items)[0], (typeof items)[0]];
    const start = Object.fromEntries(items.map((i) => [i.label, metrcQuantity(i.label)]));

    const s1 = await posAdmin(url, 'sales', { lines: [{ item: a.id, quantity: 3 }, { item: b.id, quantity: 1 }] });
    const s2 = await posAdmin(url, 'sales', { lines: [{ item: c.id, quantity: 2 }] });
    // Rung up and voided before any sync: never reported at all.
    const s3 = await posAdmin(url, 'sales', { lines: [{ item: c.id, quantity: 1 }] });
    await posAdmin(url, `sales/${s3}/void`);

    expect((await runSync(client, deps, connectionId)).status).toBe('succeeded');
    const reported = await settled(connectionId, 2);
    expect(sorted(reported).map((s) => [s.kind, s.pos_sale_id, s.status])).toEqual([
      ['sales_receipt', s1, 'succeeded'],
      ['sales_receipt', s2, 'succeeded'],
    ]);
    expect(receiptsFor(`POS-DUTCHIE-${s3}`)).toEqual([]);
    expect(metrcQuantity(a.label)).toBe(start[a.label]! - 3);
    expect(metrcQuantity(c.label)).toBe(start[c.label]! - 2);

    // In the POS: sale 2 is voided, two of sale 1's three A come back.
    await posAdmin(url, `sales/${s2}/void`);
    const r1 = await posAdmin(url, `sales/${s1}/return`, { lines: [{ item: a.id, quantity: 2 }] });
    const second = await runSync(client, deps, connectionId);
    const changes = sorted((await settled(connectionId, 4)).slice(2));
    expect(changes.map((s) => [s.kind, s.pos_sale_id, s.natural_key, s.status])).toEqual([
      ['sales_receipt_update', r1, `receipt-update:POS-DUTCHIE-${s1}:return:${r1}`, 'succeeded'],
      ['sales_receipt_void', s2, `receipt-void:POS-DUTCHIE-${s2}`, 'succeeded'],
    ]);
    expect((await request(api.url, 'GET', `/sync-runs/${second.runId}`, undefined, headers)).body.counts.sales_reported).toBe(2);

    // METRC: receipt 2 voided with its stock back; receipt 1 holds one A and the B, same Id.
    const [rec2] = receiptsFor(`POS-DUTCHIE-${s2}`);
    expect(rec2!.ArchivedDate).toBeTruthy();
    expect(metrcQuantity(c.label)).toBe(start[c.label]);
    const [rec1] = receiptsFor(`POS-DUTCHIE-${s1}`);
    expect(rec1!.ArchivedDate).toBeNull();
    expect(lines(rec1!)).toEqual([
      [a.label, 1, a.price],
      [b.label, 1, b.price],
    ]);
    expect(JSON.parse(changes[0]!.metrc_ids!)).toEqual([rec1!.Id]);
    expect(metrcQuantity(a.label)).toBe(start[a.label]! - 1);

    // The same events read again (the vendor's overlap, and the sales re-listed): nothing new.
    const third = await runSync(client, deps, connectionId);
    expect((await request(api.url, 'GET', `/sync-runs/${third.runId}`, undefined, headers)).body.counts.sales_reported).toBe(0);
    expect(await subsOf(connectionId)).toHaveLength(4);

    // The rest of sale 1 comes back: a receipt with no lines left is voided.
    const r2 = await posAdmin(url, `sales/${s1}/return`);
    await runSync(client, deps, connectionId);
    const all = await settled(connectionId, 5);
    expect([all[4]!.kind, all[4]!.pos_sale_id, all[4]!.natural_key]).toEqual(['sales_receipt_void', r2, `receipt-void:POS-DUTCHIE-${s1}`]);
    expect(receiptsFor(`POS-DUTCHIE-${s1}`).map((r) => Boolean(r.ArchivedDate))).toEqual([true]);
    for (const i of items) expect(metrcQuantity(i.label)).toBe(start[i.label]);

    // One receipt per sale ever posted in METRC (both now voided), none for the early void.
    expect(receiptsFor(`POS-DUTCHIE-${s1}`)).toHaveLength(1);
    expect(receiptsFor(`POS-DUTCHIE-${s2}`)).toHaveLength(1);
    expect(sb.sandbox.state.receipts.size).toBe(2);
  });

  it('a receipt that never reached METRC is withdrawn (not yet sent) or discarded (refused) instead of voided', async () => {
    const { url, connectionId } = dutchie;
    const a = dutchie.items[3]!;
    const baseline = (await subsOf(connectionId)).length;
    const before = sb.sandbox.state.receipts.size;

    // With no compliance worker the receipt stays pending, never attempted; the void withdraws it.
    await compliance!.stop();
    compliance = undefined;
    const s1 = await posAdmin(url, 'sales', { lines: [{ item: a.id, quantity: 1 }] });
    await runSync(client, deps, connectionId);
    expect((await subsOf(connectionId)).slice(baseline).map((s) => [s.kind, s.status])).toEqual([['sales_receipt', 'pending']]);
    await posAdmin(url, `sales/${s1}/void`);
    await runSync(client, deps, connectionId);
    const [withdrawn, ...none] = (await subsOf(connectionId)).slice(baseline);
    expect(none).toEqual([]);
    expect(withdrawn).toMatchObject({ kind: 'sales_receipt', status: 'discarded', discard_reason: expect.stringContaining('withdrawn before it was sent') });

    // A sale whose package METRC refuses: its receipt fails (nothing landed). Voiding the sale
    // queues a void, which discards that receipt through its workflow and then has nothing to do.
    compliance = await startWorkers(deps, { queues: ['compliance'] });
    const s2 = await posAdmin(url, 'sales', { lines: [{ item: dutchie.unlabelled, quantity: 1 }] });
    await runSync(client, deps, connectionId);
    const failed = await until(
      async () => (await subsOf(connectionId)).find((s) => s.pos_sale_id === s2 && s.status === 'failed'),
      60_000,
      'the refused receipt to fail',
    );
    expect(failed.kind).toBe('sales_receipt');
    await posAdmin(url, `sales/${s2}/void`);
    await runSync(client, deps, connectionId);
    const done = await settled(connectionId, 3, baseline);
    expect(done.map((s) => [s.kind, s.pos_sale_id, s.status])).toEqual([
      ['sales_receipt', s1, 'discarded'],
      ['sales_receipt', s2, 'discarded'],
      ['sales_receipt_void', s2, 'discarded'],
    ]);
    expect(done[2]!.discard_reason).toMatch(/not needed: receipt POS-DUTCHIE-\d+ never reached METRC/);
    // The receipt's dead letter is resolved with it.
    const letters = await rows<{ status: string }>(deps.sequelize, `SELECT status FROM dead_letters WHERE kind = 'metrc_submission' AND subject_id = ?`, [failed.id]);
    expect(letters.map((l) => l.status)).not.toContain('open');
    expect(receiptsFor(`POS-DUTCHIE-${s1}`)).toEqual([]);
    expect(receiptsFor(`POS-DUTCHIE-${s2}`)).toEqual([]);
    expect(sb.sandbox.state.receipts.size).toBe(before);
  });

  it('changes made while the receipt is still on its way wait for it, then go out in POS order', async () => {
    const { url, connectionId } = dutchie;
    const [a, b] = dutchie.items as [(typeof dutchie.items)[0], (typeof dutchie.items)[0]];
    const start = { a: metrcQuantity(a.label), b: metrcQuantity(b.label) };
    const baseline = (await subsOf(connectionId)).length;
    // METRC takes its time over receipts: the POS moves on meanwhile.
    await sb.faults({ latencyMs: 4000, methods: ['POST'], pathPrefix: '/sales/v2/receipts' });
    try {
      const sale = await posAdmin(url, 'sales', { lines: [{ item: a.id, quantity: 2 }, { item: b.id, quantity: 1 }] });
      await runSync(client, deps, connectionId);
      const r1 = await posAdmin(url, `sales/${sale}/return`, { lines: [{ item: a.id, quantity: 1 }] });
      const r2 = await posAdmin(url, `sales/${sale}/return`); // the rest: nothing left, so a void
      await runSync(client, deps, connectionId);
      const subs = sorted(await settled(connectionId, 3, baseline));
      const times = await rows<{ id: string; created_at: Date; succeeded_at: Date }>(
        deps.sequelize,
        'SELECT id, created_at, succeeded_at FROM metrc_submissions WHERE id IN (?)',
        [subs.map((x) => x.id)],
      );
      const at = (id: string) => times.find((t) => t.id === id)!;
      const [receipt, update, voiding] = subs as [SubRow, SubRow, SubRow];
      expect([receipt, update, voiding].map((x) => [x.kind, x.pos_sale_id, x.status])).toEqual([
        ['sales_receipt', sale, 'succeeded'],
        ['sales_receipt_update', r1, 'succeeded'],
        ['sales_receipt_void', r2, 'succeeded'],
      ]);
      // Both changes were queued before the receipt reached METRC, and went out after it, in order.
      expect(new Date(at(voiding.id).created_at).getTime()).toBeLessThan(new Date(at(receipt.id).succeeded_at).getTime());
      expect(new Date(at(update.id).succeeded_at).getTime()).toBeGreaterThanOrEqual(new Date(at(receipt.id).succeeded_at).getTime());
      expect(new Date(at(voiding.id).succeeded_at).getTime()).toBeGreaterThanOrEqual(new Date(at(update.id).succeeded_at).getTime());
      const recs = receiptsFor(`POS-DUTCHIE-${sale}`);
      expect(recs.map((r) => Boolean(r.ArchivedDate))).toEqual([true]);
      expect([metrcQuantity(a.label), metrcQuantity(b.label)]).toEqual([start.a, start.b]);
    } finally {
      await sb.faults({ latencyMs: 0, methods: [], pathPrefix: '/' });
    }
  });

  it('staff can queue receipt changes by hand; a PUT or DELETE whose answer was lost is found in METRC, not repeated', async () => {
    const label = labels[nextLabel++]!;
    const start = metrcQuantity(label);
    const external = `MANUAL-${randomUUID().slice(0, 8)}`;
    const line = (q: number) => ({ PackageLabel: label, Quantity: q, UnitOfMeasure: 'Each', TotalAmount: 10 * q });
    const create = async (kind: string, payload: unknown) => {
      const r = await request(api.url, 'POST', '/metrc-submissions', { kind, license_number: LICENSE, payload }, headers);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id as string;
    };
    const final = (id: string) =>
      until(
        async () => {
          const r = (await request(api.url, 'GET', `/metrc-submissions/${id}`, undefined, headers)).body;
          return ['succeeded', 'failed', 'discarded'].includes(r.status) ? r : undefined;
        },
        60_000,
        `submission ${id}`,
      );
    const receipt = await create('sales_receipt', { SalesDateTime: '2026-03-01T14:05:00', ExternalReceiptNumber: external, SalesCustomerType: 'Consumer', Transactions: [line(3)] });
    expect((await final(receipt)).status).toBe('succeeded');
    // The update's PUT and the void's DELETE commit, but their answers are lost.
    await sb.faults({ dropResponseRate: 1, methods: ['PUT', 'DELETE'], remaining: 2 });
    try {
      const update = await create('sales_receipt_update', {
        SalesDateTime: '2026-03-01T14:05:00',
        ExternalReceiptNumber: external,
        SalesCustomerType: 'Consumer',
        ChangeReference: 'manual-1',
        Sequence: 1,
        Transactions: [line(1)],
      });
      const updated = await final(update);
      expect(updated).toMatchObject({ status: 'succeeded', reconciled: true });
      expect(updated.attempts.map((x: { outcome: string; ambiguous: boolean }) => [x.outcome, x.ambiguous])).toEqual([
        ['failed', true],
        ['reconciled', false],
      ]);
      expect(metrcQuantity(label)).toBe(start - 1);

      const voiding = await create('sales_receipt_void', { ExternalReceiptNumber: external, ChangeReference: 'manual-2', Sequence: 2 });
      const voided = await final(voiding);
      expect(voided).toMatchObject({ status: 'succeeded', reconciled: true });
      expect(voided.attempts.map((x: { outcome: string }) => x.outcome)).toEqual(['failed', 'reconciled']);
      expect(receiptsFor(external).map((r) => Boolean(r.ArchivedDate))).toEqual([true]);
      expect(metrcQuantity(label)).toBe(start);
      expect(sb.sandbox.state.counters.faults.dropResponse).toBeGreaterThanOrEqual(2);
    } finally {
      await sb.faults({ dropResponseRate: 0, methods: [], remaining: null });
    }
  });

  it('BLAZE: a refund (child transaction) updates the receipt of its parent sale', async () => {
    const sandbox = createBlazeSandbox({ items: 20, sales: 0, seed: 4343, vendorReportsToMetrc: false });
    const running = await sandbox.start(0);
    pos.push(running);
    allowPosHost(deps, running.url);
    const connectionId = await connect('blaze', `${running.url}${BLAZE_SANDBOX_PREFIX}`);
    // The first sync takes in the catalogue; BLAZE products carry no tag, so label two by hand.
    await runSync(client, deps, connectionId);
    const picks = [...Array(20).keys()].filter((i) => sandbox.state.catalog.get(i).unit === 'each').slice(0, 2);
    const productId = (i: number) => `01${(4343 % 0x1000000).toString(16).padStart(6, '0')}${i.toString(16).padStart(16, '0')}`;
    const items = picks.map((i) => ({ id: productId(i), label: labels[nextLabel++]!, price: sandbox.state.catalog.get(i).priceCents / 100 }));
    for (const it of items) {
      const [row] = await rows<{ id: string }>(deps.sequelize, 'SELECT inventory_id AS id FROM inventory_packages WHERE pos_connection_id = ? AND vendor_item_id = ?', [connectionId, it.id]);
      const patched = await request(api.url, 'PATCH', `/inventory/${row!.id}`, { metrc_package_label: it.label }, headers);
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    }
    const [x, y] = items as [(typeof items)[0], (typeof items)[0]];
    const start = { x: metrcQuantity(x.label), y: metrcQuantity(y.label) };

    const sale = await posAdmin(running.url, 'sales', { lines: [{ item: x.id, quantity: 2 }, { item: y.id, quantity: 1 }] });
    await runSync(client, deps, connectionId);
    await settled(connectionId, 1);
    expect(metrcQuantity(x.label)).toBe(start.x - 2);

    const refund = await posAdmin(running.url, `sales/${sale}/return`, { lines: [{ item: y.id, quantity: 1 }] });
    await runSync(client, deps, connectionId);
    const subs = await settled(connectionId, 2);
    expect(subs.map((s) => [s.kind, s.pos_sale_id, s.status])).toEqual([
      ['sales_receipt', sale, 'succeeded'],
      ['sales_receipt_update', refund, 'succeeded'],
    ]);
    const [rec] = receiptsFor(`POS-BLAZE-${sale}`);
    expect(lines(rec!)).toEqual([[x.label, 2, 2 * x.price]]);
    expect(metrcQuantity(y.label)).toBe(start.y);
    await runSync(client, deps, connectionId);
    expect(await subsOf(connectionId)).toHaveLength(2);
  });
});
