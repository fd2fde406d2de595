/**
 * The whole order through the REAL compliance child: API order → accept → fulfil with package
 * labels the METRC sandbox holds for the ship-from license → `metrcTransfer` creates the
 * outgoing template → a METRC user registers the manifest (sandbox admin route) → the order
 * shows `matched` with the manifest number → ship → deliver → complete. Also: shipping before
 * the match is refused unless compliance overrides.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderWorkflowState } from '../../../contracts/order.js';
import { adminHeaders, headersFor } from '../../support/auth.js';
import { GENERATION, recordHistories } from '../../support/recordHistories.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, temporalClient } from '../../support/harness.js';
import { eachPackages, metrcOverrides, RETAILERS, startSandbox, WHOLESALERS, type SandboxHandle } from '../metrc/helpers.js';
import { FAST, stockOf, streamEventsFor, waitFor, type Headers, type OrdersEnv } from './helpers.js';
import { metrcSubmissionWorkflowId, metrcTransferWorkflowId, orderWorkflowId } from '../../../contracts/ids.js';

const SHIPPER = WHOLESALERS[1]!;
const RECIPIENT = RETAILERS[1]!;

describe('order lifecycle with the real metrcTransfer child against the METRC sandbox', () => {
  let sb: SandboxHandle;
  let env: OrdersEnv;
  let sides: { wholesalerId: string; retailerId: string; fromId: string; toId: string };
  let retailer: Headers;
  let wholesaler: Headers;
  let compliance: Headers;
  let labelCursor = 0;

  /** The location holding `license`, created through the API unless an earlier test file made it. */
  async function siteFor(license: string, type: 'wholesaler' | 'retailer') {
    const [rows] = await env.deps.sequelize.query('SELECT id, entity_id FROM locations WHERE license_number = ?', { replacements: [license] });
    const found = (rows as Array<{ id: string; entity_id: string }>)[0];
    if (found) return { locationId: found.id, entityId: found.entity_id };
    const tag = randomUUID().slice(0, 8).toUpperCase();
    const entity = await request(env.api.url, 'POST', '/entities', { type, name: `Sandbox ${type} ${tag}`, license_number: `E-${tag}`, license_state: 'CO', license_type: 'Test' }, env.admin);
    expect(entity.status, JSON.stringify(entity.body)).toBe(201);
    const loc = await request(env.api.url, 'POST', '/locations', { entity_id: entity.body.id, name: 'Licensed premises', license_number: license, address_line1: '1 Main St', city: 'Denver', state: 'CO', postal_code: '80202' }, env.admin);
    expect(loc.status, JSON.stringify(loc.body)).toBe(201);
    return { locationId: loc.body.id as string, entityId: entity.body.id as string };
  }

  const call = (headers: Headers, method: string, path: string, body?: unknown) => request(env.api.url, method, path, body, headers);

  async function orderWithStock(quantity: number) {
    const tag = randomUUID().slice(0, 8).toUpperCase();
    const product = await call(env.admin, 'POST', '/products', { entity_id: sides.wholesalerId, name: `Sandbox flower ${tag}`, category: 'Flower' });
    const variant = await call(env.admin, 'POST', '/product-variants', { product_id: product.body.id, sku: `SBX-${tag}`, name: '3.5g', price_minor: 2500 });
    // The stock row carries one of the sandbox's packages for the shipper: fulfilment must name a
    // package the hub knows at the ship-from premises (issue 14.1).
    const label = eachPackages(SHIPPER)[labelCursor++]!.label;
    labelOf.set(variant.body.id as string, label);
    const stock = await call(env.admin, 'POST', '/inventory', { variant_id: variant.body.id, location_id: sides.fromId, quantity_on_hand: 50, metrc_package_label: label });
    expect(stock.status, JSON.stringify(stock.body)).toBe(201);
    const created = await call(retailer, 'POST', '/orders', {
      retailer_id: sides.retailerId,
      wholesaler_id: sides.wholesalerId,
      ship_from_location_id: sides.fromId,
      ship_to_location_id: sides.toId,
      items: [{ variant_id: variant.body.id, quantity }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return { order: created.body, inventoryId: stock.body.id as string };
  }

  /** Labels of "Each" packages the sandbox holds for the shipper: the one on each line's stock row. */
  const labelOf = new Map<string, string>();
  const sandboxLabels = (order: { items: Array<{ id: string; variant_id: string }> }) =>
    order.items.map((i) => ({ item_id: i.id, metrc_package_label: labelOf.get(i.variant_id)! }));

  const transition = (headers: Headers, id: string, body: Record<string, unknown>) => call(headers, 'POST', `/orders/${id}/transitions`, body);

  const templateFor = (orderNumber: string) =>
    waitFor('the outgoing template in the sandbox', async () => [...sb.sandbox.state.templates.values()].find((t) => t.body.Name === orderNumber), 60_000);

  beforeAll(async () => {
    sb = await startSandbox();
    const deps = createDeps(
      metrcOverrides(sb.running.url, {
        ...FAST,
        // A long ceiling, as deployed: looks start seconds apart and back off to it (issue 14.9).
        METRC_MANIFEST_POLL_INTERVAL: '10m',
        METRC_MANIFEST_TIMEOUT: '1h',
        // The drift watcher has its own test (metrc/transfer.test.ts); keep it out of this one.
        METRC_DRIFT_WATCH: '0',
      }),
    );
    const workers = await startWorkers(deps, { queues: ['orders', 'notifications', 'compliance'] });
    const api = await startApi(deps);
    const client = await temporalClient(deps.config);
    const admin = await adminHeaders(deps);
    env = {
      deps,
      api,
      workers,
      client,
      admin,
      world: undefined as never,
      retailer: {},
      wholesaler: {},
      compliance: {},
      async close() {
        await api.close();
        await workers.stop();
        await client.connection.close();
        await closeDeps(deps);
      },
    };
    const from = await siteFor(SHIPPER, 'wholesaler');
    const to = await siteFor(RECIPIENT, 'retailer');
    sides = { wholesalerId: from.entityId, retailerId: to.entityId, fromId: from.locationId, toId: to.locationId };
    [retailer, wholesaler, compliance] = await Promise.all([
      headersFor(deps, { role: 'owner', entityId: sides.retailerId }),
      headersFor(deps, { role: 'member', entityId: sides.wholesalerId }),
      headersFor(deps, { role: 'compliance' }),
    ]);
  });
  afterAll(async () => {
    await env?.close();
    await sb?.running.close();
  });

  it('submit → accept → fulfil → template → manifest registered → matched → ship → deliver → complete', async () => {
    const { order, inventoryId } = await orderWithStock(3);
    const id = order.id as string;
    expect((await transition(wholesaler, id, { action: 'accept' })).status).toBe(200);
    expect(await stockOf(env, inventoryId)).toEqual({ onHand: 50, reserved: 3 });

    const lines = sandboxLabels(order);
    const fulfilled = await transition(wholesaler, id, { action: 'fulfil', lines });
    expect(fulfilled.status, JSON.stringify(fulfilled.body)).toBe(200);
    expect(fulfilled.body.status).toBe('fulfilled');

    // The child creates the template in "METRC" from the order's own licenses and labels.
    const template = await templateFor(order.order_number);
    expect(template.licenseNumber).toBe(SHIPPER);
    expect(template.body.Destinations).toHaveLength(1);
    expect(template.body.Destinations[0]).toMatchObject({ RecipientLicenseNumber: RECIPIENT, InvoiceNumber: order.order_number });
    expect(template.body.Destinations[0]!.Packages.map((p) => p.PackageLabel)).toEqual(lines.map((l) => l.metrc_package_label));
    // The line's 3 units ship from the package, not the whole package (issue 14.2).
    const label = lines[0]!.metrc_package_label;
    const held = sb.sandbox.state.packages.get(label)!.Quantity;
    expect(held).toBeGreaterThan(3);
    expect(template.body.Destinations[0]!.Packages).toEqual([expect.objectContaining({ PackageLabel: label, Quantity: 3, UnitOfMeasure: 'Each' })]);

    // Until a manifest exists the order waits for it, and the wholesaler may not ship.
    const waiting = await waitFor('the order to await its manifest', async () => {
      const r = await call(wholesaler, 'GET', `/orders/${id}`);
      return r.body.metrc.state === 'awaiting_manifest' ? r.body : undefined;
    });
    expect(waiting).toMatchObject({ status: 'fulfilled', available_transitions: [], metrc: { state: 'awaiting_manifest', template_id: template.Id, manifest_number: null } });
    const early = await transition(wholesaler, id, { action: 'ship' });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { status: 'fulfilled', action: 'ship', available_transitions: [] } });

    // A licensed user registers the manifest in METRC.
    const reg = await fetch(`${sb.running.url}/__sandbox/templates/${template.Id}/register-manifest`, { method: 'POST' });
    expect(reg.status).toBe(201);
    const manifest = (await reg.json()) as { Id: number; ManifestNumber: string };
    const delivered = sb.sandbox.state.transfers.get(manifest.Id)!.deliveries[0]!.packages;
    expect(delivered.map((p) => [p.PackageLabel, p.ShippedQuantity])).toEqual([[label, 3]]);
    expect(sb.sandbox.state.packages.get(label)).toMatchObject({ Quantity: held - 3, status: 'active' });

    const matched = await waitFor('the order to see the manifest', async () => {
      const r = await call(wholesaler, 'GET', `/orders/${id}`);
      return r.body.metrc.state === 'matched' ? r.body : undefined;
    });
    expect(matched).toMatchObject({
      status: 'fulfilled',
      available_transitions: ['ship'],
      metrc: { state: 'matched', manifest_number: manifest.ManifestNumber, template_id: template.Id, compliance_override_reason: null },
    });
    const handle = env.client.workflow.getHandle(orderWorkflowId(id));
    const state = await handle.query<OrderWorkflowState>('state');
    expect(state.metrc).toMatchObject({ state: 'matched', manifestNumber: manifest.ManifestNumber, templateId: template.Id });
    expect(state.pendingStep).toBe('awaiting the METRC manifest, then shipment');
    const child = await env.client.workflow.getHandle(metrcTransferWorkflowId(id)).result();
    expect(child).toEqual({ status: 'matched', manifestNumber: manifest.ManifestNumber, templateId: template.Id });

    // The retailer may not ship; the wholesaler now may, without any override.
    expect((await transition(retailer, id, { action: 'ship' })).status).toBe(403);
    const shipped = await transition(wholesaler, id, { action: 'ship' });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(shipped.body).toMatchObject({ status: 'shipped', metrc: { state: 'matched', manifest_number: manifest.ManifestNumber, compliance_override_reason: null } });
    expect(await stockOf(env, inventoryId)).toEqual({ onHand: 47, reserved: 0 });

    expect((await transition(retailer, id, { action: 'deliver' })).body.status).toBe('delivered');
    const done = await transition(retailer, id, { action: 'complete' });
    expect(done.body).toMatchObject({ status: 'completed', available_transitions: [], metrc: { state: 'matched', manifest_number: manifest.ManifestNumber } });
    expect((await handle.result()).status).toBe('completed');

    // The timeline tells the METRC story between fulfilment and shipment, once each.
    const timeline = await call(retailer, 'GET', `/orders/${id}/timeline`);
    const story = timeline.body.data.map((e: { type: string; to_status: string | null; detail: { metrc?: { state: string } } | null }) =>
      e.type === 'status_changed' ? e.to_status : `metrc:${e.detail?.metrc?.state}`,
    );
    // (The template's creation is told together with the wait for its manifest: one report, not two.)
    // It starts with the order being placed (issue 14.10).
    expect(story).toEqual(['submitted', 'accepted', 'fulfilled', 'metrc:submitting', 'metrc:awaiting_manifest', 'metrc:matched', 'shipped', 'delivered', 'completed']);
    const awaitingEvent = timeline.body.data.find((e: { detail: { metrc?: { state: string } } | null }) => e.detail?.metrc?.state === 'awaiting_manifest');
    expect(awaitingEvent.detail.metrc).toMatchObject({ templateId: template.Id, detail: `template ${template.Id} created` });
    const matchedEvent = timeline.body.data.find((e: { detail: { metrc?: { state: string } } | null }) => e.detail?.metrc?.state === 'matched');
    expect(matchedEvent.detail.metrc).toMatchObject({ manifestNumber: manifest.ManifestNumber, templateId: template.Id });
    const stream = await streamEventsFor(env, id);
    expect(stream.filter((e) => e.type === 'order.metrc_status' && e.metrc_state === 'matched').map((e) => e.manifest_number)).toEqual([manifest.ManifestNumber]);

    // One template in METRC, one succeeded submission for the order.
    expect((await sb.state()).templatesByName[order.order_number]).toBe(1);
    const subs = await call(env.admin, 'GET', `/metrc-submissions?order_id=${id}`);
    expect(subs.body.data).toMatchObject([{ kind: 'transfer_template', status: 'succeeded', license_number: SHIPPER, metrc_ids: [template.Id] }]);
    // The transfer carries its template submission's METRC search attributes (issue 14.7).
    const described = await env.client.workflow.getHandle(metrcTransferWorkflowId(id)).describe();
    expect(described.searchAttributes).toMatchObject({ MetrcSubmissionId: [subs.body.data[0].id], MetrcSubmissionKind: ['transfer_template'], MetrcLicense: [SHIPPER] });
    // Sent by the transfer itself: no submission workflow was needed for it.
    await expect(env.client.workflow.getHandle(`metrc:${subs.body.data[0].id}`).describe()).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
    await recordHistories(env.deps.config, [{ file: `metrcTransfer-${GENERATION}-matched`, workflowId: `metrc-transfer:order:${id}` }]);
  });

  it('a template METRC refuses waits in the dead letters; a compliance retry sends it and the order carries on', async () => {
    const { order } = await orderWithStock(1);
    const id = order.id as string;
    await transition(wholesaler, id, { action: 'accept' });
    await sb.faults({ errorRate: 1, methods: ['POST'], pathPrefix: '/transfers/v2/templates/outgoing' });
    try {
      expect((await transition(wholesaler, id, { action: 'fulfil', lines: sandboxLabels(order) })).status).toBe(200);
      const failed = await waitFor('the order to show the failed submission', async () => {
        const r = await call(wholesaler, 'GET', `/orders/${id}`);
        return r.body.metrc.state === 'failed' ? r.body : undefined;
      });
      expect(failed.status).toBe('fulfilled');
    } finally {
      await sb.faults({});
    }
    const subs = await call(compliance, 'GET', `/metrc-submissions?order_id=${id}`);
    expect(subs.body.data).toMatchObject([{ kind: 'transfer_template', status: 'failed' }]);
    const sub = subs.body.data[0];
    // The failed send was handed to the submission workflow, which waits for a person.
    const waiting = await env.client.workflow.getHandle(metrcSubmissionWorkflowId(sub.id)).describe();
    expect(waiting.status.name).toBe('RUNNING');
    const letters = await call(compliance, 'GET', '/dead-letters?status=open');
    expect(letters.body.data.filter((d: { subject_id: string }) => d.subject_id === sub.id)).toHaveLength(1);
    expect((await sb.state()).templatesByName[order.order_number] ?? 0).toBe(0);

    const retried = await call(compliance, 'POST', `/metrc-submissions/${sub.id}/retry`, {});
    expect(retried.status, JSON.stringify(retried.body)).toBe(202);
    const template = await templateFor(order.order_number);
    await waitFor('the order to await its manifest', async () => {
      const r = await call(wholesaler, 'GET', `/orders/${id}`);
      return r.body.metrc.state === 'awaiting_manifest' ? true : undefined;
    });
    await fetch(`${sb.running.url}/__sandbox/templates/${template.Id}/register-manifest`, { method: 'POST' });
    await waitFor('the order to see the manifest', async () => {
      const r = await call(wholesaler, 'GET', `/orders/${id}`);
      return r.body.metrc.state === 'matched' ? true : undefined;
    });
    expect((await transition(wholesaler, id, { action: 'ship' })).body.status).toBe('shipped');
    expect((await sb.state()).templatesByName[order.order_number]).toBe(1);
    const after = await call(compliance, 'GET', `/metrc-submissions/${sub.id}`);
    expect(after.body).toMatchObject({ status: 'succeeded', metrc_ids: [template.Id] });
    await env.client.workflow.getHandle(metrcTransferWorkflowId(id)).result();
    await recordHistories(env.deps.config, [
      { file: `metrcTransfer-${GENERATION}-template-retried`, workflowId: metrcTransferWorkflowId(id) },
      { file: `metrcSubmission-${GENERATION}-handed-over-then-retried`, workflowId: metrcSubmissionWorkflowId(sub.id) },
    ]);
  });

  it('ship before the manifest is matched: refused for the wholesaler, allowed with a compliance override', async () => {
    const { order, inventoryId } = await orderWithStock(2);
    const id = order.id as string;
    await transition(wholesaler, id, { action: 'accept' });
    expect((await transition(wholesaler, id, { action: 'fulfil', lines: sandboxLabels(order) })).status).toBe(200);
    await templateFor(order.order_number);

    const refused = await transition(wholesaler, id, { action: 'ship' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { status: 'fulfilled', action: 'ship', available_transitions: [] } });
    // Overriding is compliance's call alone, and needs a reason.
    expect((await call(wholesaler, 'POST', `/orders/${id}/compliance-override`, { reason: 'we are in a hurry' })).status).toBe(403);
    const blank = await call(compliance, 'POST', `/orders/${id}/compliance-override`, { reason: '   ' });
    expect(blank.status, JSON.stringify(blank.body)).toBe(422);
    expect((await stockOf(env, inventoryId)).reserved).toBe(2);

    const overridden = await call(compliance, 'POST', `/orders/${id}/compliance-override`, { reason: 'METRC outage; paper manifest 7781' });
    expect(overridden.status, JSON.stringify(overridden.body)).toBe(200);
    expect(overridden.body).toMatchObject({ status: 'shipped', metrc: { compliance_override_reason: 'METRC outage; paper manifest 7781' } });
    // The transfer was still pending: the order says it was overridden, not that it awaits a
    // manifest, and stays so to the end (issue 14.10).
    expect(overridden.body.metrc.state).toBe('overridden');
    expect(await stockOf(env, inventoryId)).toEqual({ onHand: 48, reserved: 0 });
    expect((await transition(retailer, id, { action: 'deliver' })).body.status).toBe('delivered');
    const completed = await transition(retailer, id, { action: 'complete' });
    expect(completed.body).toMatchObject({ status: 'completed', metrc: { state: 'overridden', compliance_override_reason: 'METRC outage; paper manifest 7781' } });
    expect((await call(compliance, 'GET', `/orders/${id}`)).body.metrc.state).toBe('overridden');
  });

  it('a compliance override ends the transfer at once: no polling to the manifest timeout, no dead letter', async () => {
    const { order } = await orderWithStock(1);
    const id = order.id as string;
    await transition(wholesaler, id, { action: 'accept' });
    expect((await transition(wholesaler, id, { action: 'fulfil', lines: sandboxLabels(order) })).status).toBe(200);
    await templateFor(order.order_number);
    await waitFor('the order to await its manifest', async () => {
      const r = await call(wholesaler, 'GET', `/orders/${id}`);
      return r.body.metrc.state === 'awaiting_manifest' ? true : undefined;
    });
    const transfer = env.client.workflow.getHandle(metrcTransferWorkflowId(id));
    expect((await transfer.describe()).status.name).toBe('RUNNING');

    const overridden = await call(compliance, 'POST', `/orders/${id}/compliance-override`, { reason: 'paper manifest 9150' });
    expect(overridden.status, JSON.stringify(overridden.body)).toBe(200);
    // The manifest timeout here is an hour: only the override can end the transfer this soon.
    const result = await Promise.race([
      transfer.result(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('the transfer kept waiting for a manifest')), 20_000)),
    ]);
    expect(result).toEqual({ status: 'overridden' });
    const letters = await call(compliance, 'GET', '/dead-letters?status=open');
    expect(letters.body.data.filter((d: { kind: string; subject_id: string }) => d.kind === 'metrc_manifest_timeout' && d.subject_id === id)).toEqual([]);
    // The order carries on as overridden; nothing reports a METRC failure to it.
    expect((await transition(retailer, id, { action: 'deliver' })).body.status).toBe('delivered');
    const done = await transition(retailer, id, { action: 'complete' });
    expect(done.body).toMatchObject({ status: 'completed', metrc: { state: 'overridden' } });
    const timeline = await call(retailer, 'GET', `/orders/${id}/timeline`);
    expect(timeline.body.data.filter((e: { detail: { metrc?: { state: string } } | null }) => e.detail?.metrc?.state === 'failed')).toEqual([]);
  });

  it("check now (issue 14.9): with the looks backed off, the wholesaler's check makes the order matched within seconds", async () => {
    const { order } = await orderWithStock(1);
    const id = order.id as string;
    const check = (headers: Headers) => call(headers, 'POST', `/orders/${id}/metrc/check`);
    await transition(wholesaler, id, { action: 'accept' });
    // Nothing to look for before the transfer waits for a manifest.
    const early = await check(wholesaler);
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'CONFLICT', details: { metrc_state: 'none' } });

    expect((await transition(wholesaler, id, { action: 'fulfil', lines: sandboxLabels(order) })).status).toBe(200);
    const template = await templateFor(order.order_number);
    await waitFor('the order to await its manifest', async () => {
      const r = await call(wholesaler, 'GET', `/orders/${id}`);
      return r.body.metrc.state === 'awaiting_manifest' ? true : undefined;
    });
    // The retailer and operators may not ask; compliance may (one look at once, nothing found yet).
    expect((await check(retailer)).status).toBe(403);
    expect((await check(await headersFor(env.deps, { role: 'operator' }))).status).toBe(403);
    expect((await check(compliance)).status).toBe(202);
    // The looks then back off: about 0.5, 4.5, 12.5 and 28.5 s after the wait began, so from
    // 15 s on the next one is over 10 s away and only a check can find the manifest sooner.
    await new Promise((r) => setTimeout(r, 15_000));

    const reg = await fetch(`${sb.running.url}/__sandbox/templates/${template.Id}/register-manifest`, { method: 'POST' });
    expect(reg.status).toBe(201);
    const manifest = (await reg.json()) as { ManifestNumber: string };
    const asked = Date.now();
    const answer = await check(wholesaler);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body).toMatchObject({ id, status: 'fulfilled', metrc: { state: 'awaiting_manifest' } });
    const matched = await waitFor('the order to see the manifest', async () => {
      const r = await call(wholesaler, 'GET', `/orders/${id}`);
      return r.body.metrc.state === 'matched' ? r.body : undefined;
    });
    expect(Date.now() - asked).toBeLessThan(8_000);
    expect(matched).toMatchObject({ available_transitions: ['ship'], metrc: { manifest_number: manifest.ManifestNumber } });
    // Found: nothing is awaited any more.
    const late = await check(wholesaler);
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'CONFLICT', details: { metrc_state: 'matched' } });
    await env.client.workflow.getHandle(metrcTransferWorkflowId(id)).result();
    await recordHistories(env.deps.config, [{ file: `metrcTransfer-${GENERATION}-checked-now`, workflowId: `metrc-transfer:order:${id}` }]);
  });
});
