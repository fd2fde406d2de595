/**
 * Issue 14.1: fulfil names real packages. Each label must be a package the hub knows at the
 * order's ship-from premises — a POS-synced package (`inventory_packages`) or a labelled stock
 * row — active, of the line's product, holding the line's quantity, and used once per order. A
 * 422 names every bad line and why; nothing is written. Real HTTP, database and worker. Synced
 * packages are written as the POS sync writes them (the sync itself is tested under pos/).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld } from '../../support/fixtures.js';
import { call, freshStock, labelsFor, newLabel, ordersEnv, placeOrder, transition, type OrdersEnv } from './helpers.js';

describe('fulfilment checks each label against the packages the hub knows (issue 14.1)', () => {
  let env: OrdersEnv;
  let connectionId: string;
  beforeAll(async () => {
    env = await ordersEnv();
    connectionId = randomUUID();
    await env.deps.sequelize.query(`INSERT INTO pos_connections (id, entity_id, location_id, vendor, credentials_enc) VALUES (?, ?, ?, 'dutchie', 'x')`, {
      replacements: [connectionId, env.world.wholesaler.id, env.world.warehouse.id],
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  /** A package as a POS snapshot records it: `retired` = a later snapshot no longer listed it. */
  async function posPackage(inventoryId: string, quantity: number, retired = false) {
    const label = newLabel();
    await env.deps.sequelize.query(
      `INSERT INTO inventory_packages (id, pos_connection_id, vendor_item_id, inventory_id, metrc_package_label, pos_quantity, pos_seen_run) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      { replacements: [randomUUID(), connectionId, randomUUID(), inventoryId, label, quantity, retired ? null : randomUUID()] },
    );
    return label;
  }

  async function acceptedOrder(lines: Array<{ variant_id: string; quantity: number }>) {
    const order = await placeOrder(env, lines);
    const r = await transition(env, env.wholesaler, order.id, { action: 'accept' });
    if (r.status !== 200) throw new Error(`accept → ${r.status} ${JSON.stringify(r.body)}`);
    return order as { id: string; items: Array<{ id: string; variant_id: string }> };
  }

  const lineOf = (order: { items: Array<{ id: string; variant_id: string }> }, variantId: string) => order.items.find((i) => i.variant_id === variantId)!.id;

  it('refuses a label used twice, another product\'s package and a label known nowhere — naming each line — and writes nothing', async () => {
    const a = await freshStock(env, 50);
    const b = await freshStock(env, 50);
    const c = await freshStock(env, 50);
    const order = await acceptedOrder([
      { variant_id: a.variantId, quantity: 5 },
      { variant_id: b.variantId, quantity: 5 },
      { variant_id: c.variantId, quantity: 5 },
    ]);
    const lines = [
      { item_id: lineOf(order, a.variantId), metrc_package_label: a.label },
      { item_id: lineOf(order, b.variantId), metrc_package_label: a.label }, // a's package again (and a's product)
      { item_id: lineOf(order, c.variantId), metrc_package_label: newLabel() }, // exists nowhere
    ];
    const r = await transition(env, env.wholesaler, order.id, { action: 'fulfil', lines });
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body.error.code).toBe('UNPROCESSABLE_ENTITY');
    const problems = r.body.error.details.problems as Array<{ field: string; issue: string }>;
    expect(problems.map((p) => p.field)).toEqual(['lines[1].metrc_package_label', 'lines[2].metrc_package_label']);
    expect(problems[0]!.issue).toContain('already used by lines[0]');
    expect(problems[1]!.issue).toContain('not known');

    const otherProduct = await transition(env, env.wholesaler, order.id, {
      action: 'fulfil',
      lines: [lines[0], { item_id: lineOf(order, b.variantId), metrc_package_label: c.label }, { item_id: lineOf(order, c.variantId), metrc_package_label: b.label }],
    });
    expect(otherProduct.status).toBe(422);
    expect(otherProduct.body.error.details.problems.map((p: { issue: string }) => p.issue)).toEqual([
      `package ${c.label} holds another product than this line`,
      `package ${b.label} holds another product than this line`,
    ]);

    const after = (await call(env, env.wholesaler, 'GET', `/orders/${order.id}`)).body;
    expect(after.status).toBe('accepted');
    expect(after.items.map((i: { metrc_package_label: string | null }) => i.metrc_package_label)).toEqual([null, null, null]);

    // The right packages go through.
    const ok = await transition(env, env.wholesaler, order.id, { action: 'fulfil', lines: labelsFor(order) });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.status).toBe('fulfilled');
  });

  it('synced packages: too small, retired, or at another wholesaler\'s premises are refused; an active one large enough ships', async () => {
    const a = await freshStock(env, 500);
    const small = await posPackage(a.inventoryId, 3);
    const retired = await posPackage(a.inventoryId, 400, true);
    const good = await posPackage(a.inventoryId, 12);
    const elsewhere = await createWorld(env.api.url, env.admin);
    const foreign = newLabel();
    await call(env, env.admin, 'PATCH', `/inventory/${elsewhere.stock.id}`, { metrc_package_label: foreign });

    const order = await acceptedOrder([{ variant_id: a.variantId, quantity: 10 }]);
    const item = order.items[0]!.id;
    const tryLabel = (label: string) => transition(env, env.wholesaler, order.id, { action: 'fulfil', lines: [{ item_id: item, metrc_package_label: label }] });

    const tooSmall = await tryLabel(small);
    expect(tooSmall.status).toBe(422);
    expect(tooSmall.body.error.details).toMatchObject({ field: 'lines[0].metrc_package_label', issue: `package ${small} holds 3, the line ships 10` });
    expect((await tryLabel(retired)).body.error.details.issue).toBe(`package ${retired} is not active (retired or empty)`);
    expect((await tryLabel(foreign)).body.error.details.issue).toContain('not known at the ship-from');
    const shipped = await tryLabel(good);
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(shipped.body.items[0].metrc_package_label).toBe(good);
  });
});
