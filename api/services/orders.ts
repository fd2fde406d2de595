import { randomBytes, randomUUID } from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { Actor, Origin } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import { formatOrderNumber } from '../../domain/orderNumber.js';
import { expiredLicences, todayUtc } from '../../domain/licensing.js';
import {
  availableTransitions,
  checkFulfilmentLines,
  checkFulfilmentPackages,
  decide,
  decideEdit,
  type EditDecision,
  type OrderEdit,
  type OrderStatus,
} from '../../domain/orders/index.js';
import type { AtomicWriter } from '../../db/tx.js';
import * as ordersRepo from '../../db/repositories/orders.js';
import { models, type Row } from '../../db/models.js';
import { ORDER_ITEM_FIELDS, orderEventToApi, orderItemToApi, orderToApi, withAvailableTransitions } from '../resources/orders.js';
import { audit, auditStatement, changesOf } from './audit.js';
import { bumpVersion } from './counts.js';
import { eitherParty, requireOwnEntity, withinScope } from './tenancy.js';
import { orderBy, type CrudDeps, type Page, type Precondition } from './crud.js';
import { createLifecycleClient, factsOf, type LifecycleDeps, type TransitionBody } from './orderLifecycle.js';
import type { KnownLabels } from './names.js';

export interface OrderLineInput {
  variant_id: string;
  quantity: number;
}
export interface OrderCreateInput {
  retailer_id: string;
  wholesaler_id: string;
  ship_from_location_id: string;
  ship_to_location_id: string;
  requested_delivery_date?: string | null;
  notes?: string | null;
  items: OrderLineInput[];
}

const unprocessable = (field: string, message: string) => new AppError('UNPROCESSABLE_ENTITY', message, { field, issue: message });

const EDIT_ERRORS = { forbidden: 'FORBIDDEN', conflict: 'CONFLICT', unprocessable: 'UNPROCESSABLE_ENTITY' } as const;
function editRefusal(d: Extract<EditDecision, { ok: false }>, order: Row): AppError {
  return new AppError(EDIT_ERRORS[d.error], d.message, { status: order.status, ...(d.field ? { field: d.field, issue: d.message } : {}) });
}

export function createOrderService(deps: CrudDeps & Partial<LifecycleDeps> & { writer: AtomicWriter }) {
  const m = () => models(deps.sequelize);
  const lifecycle = deps.temporal && deps.config ? createLifecycleClient(deps as CrudDeps & LifecycleDeps) : undefined;
  const requireLifecycle = () => {
    if (!lifecycle) throw new AppError('SERVICE_UNAVAILABLE', 'Order workflows are not configured in this process');
    return lifecycle;
  };

  async function loadVisible(actor: Actor, id: string, transaction?: Transaction) {
    const row = await m().Order.findOne({
      where: withinScope(eitherParty(actor), { id }),
      ...(transaction ? { transaction, lock: transaction.LOCK.UPDATE } : {}),
    });
    if (!row) throw notFound('Order', id);
    return row;
  }

  /** The order as a plain row (no model instance), for reads that change nothing. */
  async function readVisible(actor: Actor, id: string): Promise<Row> {
    const row = (await m().Order.findOne({ where: withinScope(eitherParty(actor), { id }), raw: true })) as unknown as Row | null;
    if (!row) throw notFound('Order', id);
    return row;
  }

  const itemIdsOf = (orderId: string): Promise<string[]> => ordersRepo.orderItemIds(deps.sequelize, orderId);

  async function withItems(order: Row, transaction?: Transaction): Promise<Row> {
    const items = await m().OrderItem.findAll({
      where: { order_id: order.id },
      order: [['created_at', 'ASC'], ['id', 'ASC']],
      raw: true,
      ...(transaction ? { transaction } : {}),
    });
    return { ...orderToApi(order), items: (items as unknown as Row[]).map(orderItemToApi) };
  }

  /**
   * The order and its lines in one round trip, by id alone: for answers after a change whose
   * caller's visibility was already checked.
   */
  async function readWithItems(id: string): Promise<Row> {
    const found = await ordersRepo.orderWithItems(deps.sequelize, id, ORDER_ITEM_FIELDS);
    if (!found) throw notFound('Order', id);
    return { ...orderToApi(found.order), items: found.items.map(orderItemToApi) };
  }

  function rejectDuplicateVariants(lines: OrderLineInput[]): string[] {
    const seen = new Set<string>();
    lines.forEach((l, i) => {
      if (seen.has(l.variant_id)) throw new AppError('VALIDATION_ERROR', 'Each variant may appear once per order', { field: `items[${i}].variant_id`, issue: 'duplicate' });
      seen.add(l.variant_id);
    });
    return [...seen];
  }

  /** Prices each line from the wholesaler's own variants; every reference must fit the order. */
  function price(wholesalerId: string, lines: OrderLineInput[], variants: Row[]) {
    const byId = new Map(variants.map((v) => [v.id as string, v]));
    return lines.map((l, i) => {
      const v = byId.get(l.variant_id);
      if (!v || v.entity_id !== wholesalerId) {
        throw unprocessable(`items[${i}].variant_id`, 'variant does not exist in this wholesaler\'s catalog');
      }
      const unit = Number(v.price_minor);
      return { ...l, product_id: v.product_id as string, unit_price_minor: unit, line_total_minor: unit * l.quantity, currency: v.currency as string };
    });
  }

  async function priceLines(wholesalerId: string, lines: OrderLineInput[], transaction?: Transaction) {
    const ids = rejectDuplicateVariants(lines);
    return price(wholesalerId, lines, await ordersRepo.variantPrices(deps.sequelize, ids, transaction ? { transaction } : {}));
  }

  type Reference = ordersRepo.OrderReference;

  /** Both parties, both sites and every line's variant in one round trip. */
  const referencesOf = (input: OrderCreateInput): Promise<Reference[]> =>
    ordersRepo.orderReferences(deps.sequelize, {
      retailerId: input.retailer_id,
      wholesalerId: input.wholesaler_id,
      fromLocationId: input.ship_from_location_id,
      toLocationId: input.ship_to_location_id,
      variantIds: [...new Set(input.items.map((l) => l.variant_id))],
    });

  /** The names the answer shows, as the references read them (no second read for the answer). */
  function answerLabels(refs: Reference[]): KnownLabels {
    const labels: KnownLabels = { parties: new Map(), sites: new Map(), variants: new Map() };
    for (const r of refs) {
      if (r.kind === 'entity') labels.parties.set(r.id, { name: String(r.name), license_number: (r.license_number as string | null) ?? null });
      else if (r.kind === 'location') labels.sites.set(r.id, { name: String(r.name), license_number: (r.license_number as string | null) ?? null });
      else
        labels.variants.set(r.id, {
          sku: String(r.sku),
          variant_name: String(r.name),
          unit_of_measure: String(r.unit_of_measure),
          product_name: String(r.product_name),
          brand: (r.brand as string | null) ?? null,
          strain: (r.strain as string | null) ?? null,
          category: String(r.category),
        });
    }
    return labels;
  }

  /** Each party and site must belong where the order says. */
  function checkParties(input: OrderCreateInput, refs: Reference[]) {
    const find = (kind: Reference['kind'], id: string) => refs.find((r) => r.kind === kind && r.id === id);
    const retailer = find('entity', input.retailer_id);
    const wholesaler = find('entity', input.wholesaler_id);
    const from = find('location', input.ship_from_location_id);
    const to = find('location', input.ship_to_location_id);
    if (!retailer || retailer.type === 'wholesaler') throw unprocessable('retailer_id', 'not a retailer');
    if (!wholesaler || wholesaler.type === 'retailer') throw unprocessable('wholesaler_id', 'not a wholesaler');
    if (retailer.id === wholesaler.id) throw unprocessable('wholesaler_id', 'an entity cannot order from itself');
    if (!from || from.entity_id !== wholesaler.id) throw unprocessable('ship_from_location_id', 'not a location of the wholesaler');
    if (!to || to.entity_id !== retailer.id) throw unprocessable('ship_to_location_id', 'not a location of the retailer');
    return { retailer, wholesaler };
  }

  /**
   * Neither party may trade on an expired licence (issue 13.5): checked at submission and again at
   * acceptance, for the buyer's and the seller's licence alike. 422 names each expired licence.
   */
  function requireLicences(retailer: Row, wholesaler: Row, when: 'submit' | 'accept') {
    const problems = expiredLicences(
      [
        { field: 'retailer_id', party: 'retailer', licenseNumber: String(retailer.license_number), expiresOn: retailer.license_expires_on },
        { field: 'wholesaler_id', party: 'wholesaler', licenseNumber: String(wholesaler.license_number), expiresOn: wholesaler.license_expires_on },
      ],
      todayUtc(new Date()),
    );
    if (!problems.length) return;
    const first = problems[0]!;
    throw new AppError('UNPROCESSABLE_ENTITY', `Cannot ${when} this order: ${problems.map((p) => p.issue).join('; ')}`, {
      field: first.field,
      issue: first.issue,
      license_number: first.license_number,
      license_expires_on: first.license_expires_on,
      problems,
    });
  }

  async function licencesOf(order: Row): Promise<{ retailer: Row; wholesaler: Row }> {
    const rows = await ordersRepo.partyLicences(deps.sequelize, [String(order.retailer_id), String(order.wholesaler_id)]);
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    return { retailer: byId.get(String(order.retailer_id)) ?? {}, wholesaler: byId.get(String(order.wholesaler_id)) ?? {} };
  }

  /**
   * Fulfilment names real packages (issue 14.1): each label a package the hub knows at the
   * ship-from premises, active, of the line's product, holding the line's quantity, once per
   * order. One query for all labels, no METRC round trip. Runs only when the caller may fulfil
   * and the lines are well-formed (the lifecycle client reports those problems itself).
   */
  async function requireKnownPackages(actor: Actor, row: Row, body: TransitionBody, itemIds: string[]) {
    const labels = body.lines ?? [];
    if (!decide(factsOf(row), actor, { action: 'fulfil' }).ok || checkFulfilmentLines(itemIds, labels).length) return;
    const wanted = [...new Set(labels.map((l) => l.metrc_package_label))];
    const { lines, known } = await ordersRepo.fulfilmentFacts(deps.sequelize, String(row.id), String(row.ship_from_location_id), wanted);
    const problems = checkFulfilmentPackages(
      lines.map((l) => ({ itemId: String(l.id), productId: String(l.product_id), quantity: Number(l.quantity) })),
      labels,
      known.map((k) => ({ label: String(k.label), productId: String(k.product_id), quantity: Number(k.quantity), active: Number(k.active) === 1, source: k.source === 'pos' ? 'pos' : 'inventory' })),
    );
    if (!problems.length) return;
    throw new AppError('UNPROCESSABLE_ENTITY', `${problems.length} line${problems.length > 1 ? 's name' : ' names'} a package that cannot ship it: ${problems.map((p) => `${p.field}: ${p.issue}`).join('; ')}`, {
      status: row.status,
      action: 'fulfil',
      available_transitions: availableTransitions(factsOf(row), actor),
      field: problems[0]!.field,
      issue: problems[0]!.issue,
      problems,
    });
  }

  const recomputeTotals = (orderId: string, transaction: Transaction) => ordersRepo.recomputeTotals(deps.sequelize, orderId, transaction);

  /**
   * The editing rules (domain/orders/editing.ts) against the stored order: refused edits write
   * nothing. Stock is reserved the moment acceptance starts, before the status flips, so a held
   * reservation freezes the lines too.
   */
  async function requireEditable(actor: Actor, order: Row, edit: OrderEdit, fields: string[] = [], transaction?: Transaction) {
    const facts = { status: order.status as OrderStatus, retailerId: String(order.retailer_id), wholesalerId: String(order.wholesaler_id) };
    // Who may edit does not depend on the reservation: answer that without reading it.
    const who = decideEdit({ ...facts, stockHeld: false }, actor, edit, fields);
    if (!who.ok) throw editRefusal(who, order);
    const held = await m().StockReservation.count({ where: { order_id: order.id }, ...(transaction ? { transaction } : {}) });
    const d = decideEdit({ ...facts, stockHeld: held > 0 }, actor, edit, fields);
    if (!d.ok) throw editRefusal(d, held > 0 ? { status: 'accepted' } : order);
  }

  return {
    async create(actor: Actor, input: OrderCreateInput, origin: Origin = {}): Promise<{ order: Row; labels: KnownLabels }> {
      // The buyer is the caller; the seller, its sites and its variants are the public directory
      // and catalog, checked for consistency with each other below.
      requireOwnEntity(actor, input.retailer_id, 'retailer_id');
      // The references are read before the write (plain reads take no locks, so inside a
      // transaction they bought nothing); the foreign keys still refuse a party deleted in
      // between. A bad party is reported before a bad line.
      const refs = await referencesOf(input);
      const { retailer, wholesaler } = checkParties(input, refs);
      requireLicences(retailer, wholesaler, 'submit');
      rejectDuplicateVariants(input.items);
      const lines = price(input.wholesaler_id, input.items, refs.filter((r) => r.kind === 'variant'));
      const currencies = new Set(lines.map((l) => l.currency));
      if (currencies.size > 1) throw unprocessable('items', 'all lines must share one currency');
      const subtotal = lines.reduce((s, l) => s + l.line_total_minor, 0);
      const id = randomUUID();
      // One instant for the row, its lines and the answer: what we write is what we return, so
      // nothing is read back after the insert.
      const submittedAt = new Date();
      const values = {
        id,
        order_number: formatOrderNumber(submittedAt, randomBytes(6)),
        retailer_id: input.retailer_id,
        wholesaler_id: input.wholesaler_id,
        ship_from_location_id: input.ship_from_location_id,
        ship_to_location_id: input.ship_to_location_id,
        status: 'submitted',
        currency: [...currencies][0] ?? 'USD',
        subtotal_minor: subtotal,
        total_minor: subtotal,
        item_count: lines.length,
        requested_delivery_date: input.requested_delivery_date ?? null,
        notes: input.notes ?? null,
        version: 1,
        workflow_id: `order:${id}`,
        expires_at: lifecycle ? lifecycle.deadlineFrom(submittedAt) : null,
        metrc_state: 'none',
        metrc_manifest_number: null,
        metrc_template_id: null,
        metrc_detail: null,
        compliance_override_reason: null,
        created_at: submittedAt,
        updated_at: submittedAt,
      };
      const items = lines
        .map((l) => ({
          id: randomUUID(),
          order_id: id,
          product_id: l.product_id,
          variant_id: l.variant_id,
          quantity: l.quantity,
          unit_price_minor: l.unit_price_minor,
          line_total_minor: l.line_total_minor,
          metrc_package_label: null,
          created_at: submittedAt,
          updated_at: submittedAt,
        }))
        // The order GET lists lines in (created_at, id) order; all share created_at here.
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      // Order, lines, audit row and the timeline's first entry commit together in one round trip
      // (db/tx.ts; statements from db/repositories/orders.ts).
      await deps.writer.write([
        ...ordersRepo.newOrderStatements(values, items, actor),
        auditStatement(actor, { action: 'order.created', targetType: 'order', targetId: id, entityId: input.retailer_id, summary: { order_number: values.order_number, wholesaler_id: input.wholesaler_id, lines: lines.length, total_minor: subtotal } }, origin),
      ]);
      const order = { ...orderToApi(values), items: items.map(orderItemToApi) };
      // Commit first, then start: the workflow's activities must find the row. A start that fails
      // takes the order back out, so no order exists without its workflow (answered 503, and the
      // idempotency layer forgets the key so a retry runs again). The list caches are bumped
      // alongside the start: a bump for an order that is then taken back out costs one recount.
      if (lifecycle) {
        const [started] = await Promise.allSettled([
          lifecycle.start(order, submittedAt, { retailer: String(retailer.name), wholesaler: String(wholesaler.name) }),
          bumpVersion(deps.redis, 'orders'),
        ]);
        if (started.status === 'rejected') {
          const err: unknown = started.reason;
          await m().Order.destroy({ where: { id } }).catch(() => undefined);
          await lifecycle.abandon(id);
          throw new AppError('SERVICE_UNAVAILABLE', 'The order could not be started; nothing was saved. Retry shortly.', {
            reason: err instanceof Error ? err.message : String(err),
          });
        }
      } else {
        await bumpVersion(deps.redis, 'orders');
      }
      return { order: withAvailableTransitions(order, actor), labels: answerLabels(refs) };
    },

    /** Asks the order's workflow for a transition; answers the order as it stands afterwards. */
    async transition(actor: Actor, id: string, body: TransitionBody, origin: Origin = {}): Promise<Row> {
      const row = await readVisible(actor, id);
      // Acceptance binds both licences: checked once the caller may accept at all (a refusal for
      // the wrong party or state stays the workflow's 403/409).
      if (body.action === 'accept' && decide(factsOf(row), actor, { action: 'accept' }).ok) {
        const { retailer, wholesaler } = await licencesOf(row);
        requireLicences(retailer, wholesaler, 'accept');
      }
      // Only fulfilment checks lines up front; every other action is decided by the workflow.
      const items = body.action === 'fulfil' ? await itemIdsOf(id) : [];
      if (body.action === 'fulfil') await requireKnownPackages(actor, row, body, items);
      await requireLifecycle().transition(actor, row, items, body, origin);
      // The workflow's read-model step has bumped the orders cache version already.
      return withAvailableTransitions(await readWithItems(id), actor);
    },

    /** Asks the order's METRC transfer to look for the manifest now; answers the order as it stands. */
    async checkMetrc(actor: Actor, id: string): Promise<Row> {
      await requireLifecycle().checkManifest(actor, await readVisible(actor, id));
      return withAvailableTransitions(await readWithItems(id), actor);
    },

    async timeline(actor: Actor, id: string, page: number, limit: number): Promise<Page<Row>> {
      await loadVisible(actor, id);
      const { rows, count } = await m().OrderEvent.findAndCountAll({
        where: { order_id: id },
        order: [['seq', 'ASC']],
        limit,
        offset: (page - 1) * limit,
        raw: true,
      });
      return {
        data: (rows as unknown as Row[]).map(orderEventToApi),
        pagination: { page, limit, total: count, total_pages: Math.ceil(count / limit) },
      };
    },

    async get(actor: Actor, id: string): Promise<Row> {
      return withAvailableTransitions(await withItems(await readVisible(actor, id)), actor);
    },

    async update(actor: Actor, id: string, patch: Row, expect?: Precondition, origin: Origin = {}): Promise<Row> {
      const result = await deps.sequelize.transaction(async (transaction) => {
        const row = await loadVisible(actor, id, transaction);
        const current = await withItems(row.get({ plain: true }), transaction);
        expect?.(withAvailableTransitions(current, actor));
        await requireEditable(actor, current, 'details', Object.keys(patch), transaction);
        await audit(deps.sequelize, actor, { action: 'order.updated', targetType: 'order', targetId: id, entityId: String(current.retailer_id), summary: { changes: changesOf(current, patch) } }, { transaction, ...origin });
        await row.update({ ...patch, version: Number(row.get('version')) + 1 }, { transaction });
        return withItems(row.get({ plain: true }), transaction);
      });
      await bumpVersion(deps.redis, 'orders');
      return withAvailableTransitions(result, actor);
    },

    async listItems(actor: Actor, orderId: string, page: number, limit: number, sort = 'created_at'): Promise<Page<Row>> {
      await loadVisible(actor, orderId);
      const { rows, count } = await m().OrderItem.findAndCountAll({
        where: { order_id: orderId },
        order: orderBy(sort),
        limit,
        offset: (page - 1) * limit,
        raw: true,
      });
      return {
        data: (rows as unknown as Row[]).map(orderItemToApi),
        pagination: { page, limit, total: count, total_pages: Math.ceil(count / limit) },
      };
    },

    async getItem(actor: Actor, orderId: string, itemId: string): Promise<Row> {
      await loadVisible(actor, orderId);
      const item = await m().OrderItem.findOne({ where: { id: itemId, order_id: orderId }, raw: true });
      if (!item) throw notFound('Order item', itemId);
      return orderItemToApi(item as unknown as Row);
    },

    async addItem(actor: Actor, orderId: string, line: OrderLineInput, origin: Origin = {}): Promise<Row> {
      const item = await deps.sequelize.transaction(async (transaction) => {
        const order = (await loadVisible(actor, orderId, transaction)).get({ plain: true });
        await requireEditable(actor, order, 'add_line', [], transaction);
        const exists = await m().OrderItem.count({ where: { order_id: orderId, variant_id: line.variant_id }, transaction });
        if (exists) throw new AppError('CONFLICT', 'This variant is already on the order; change that line\'s quantity', { field: 'variant_id' });
        const [priced] = await priceLines(order.wholesaler_id as string, [line], transaction);
        if (priced!.currency !== order.currency) throw unprocessable('variant_id', 'variant is priced in another currency');
        const id = randomUUID();
        await m().OrderItem.create(
          { id, order_id: orderId, product_id: priced!.product_id, variant_id: line.variant_id, quantity: line.quantity, unit_price_minor: priced!.unit_price_minor, line_total_minor: priced!.line_total_minor },
          { transaction },
        );
        await recomputeTotals(orderId, transaction);
        await audit(deps.sequelize, actor, { action: 'order_item.created', targetType: 'order', targetId: orderId, entityId: String(order.retailer_id), summary: { item_id: id, variant_id: line.variant_id, quantity: line.quantity } }, { transaction, ...origin });
        return m().OrderItem.findByPk(id, { raw: true, transaction });
      });
      await bumpVersion(deps.redis, 'orders');
      return orderItemToApi(item as unknown as Row);
    },

    async updateItem(actor: Actor, orderId: string, itemId: string, quantity: number, expect?: Precondition, origin: Origin = {}): Promise<Row> {
      const item = await deps.sequelize.transaction(async (transaction) => {
        const order = (await loadVisible(actor, orderId, transaction)).get({ plain: true });
        const row = await m().OrderItem.findOne({ where: { id: itemId, order_id: orderId }, transaction, lock: transaction.LOCK.UPDATE });
        if (!row) throw notFound('Order item', itemId);
        expect?.(orderItemToApi(row.get({ plain: true })));
        await requireEditable(actor, order, 'change_line', [], transaction);
        await audit(deps.sequelize, actor, { action: 'order_item.updated', targetType: 'order', targetId: orderId, entityId: String(order.retailer_id), summary: { item_id: itemId, changes: changesOf(row.get({ plain: true }), { quantity }) } }, { transaction, ...origin });
        await row.update({ quantity, line_total_minor: Number(row.get('unit_price_minor')) * quantity }, { transaction });
        await recomputeTotals(orderId, transaction);
        return row.get({ plain: true });
      });
      await bumpVersion(deps.redis, 'orders');
      return orderItemToApi(item);
    },

    async removeItem(actor: Actor, orderId: string, itemId: string, origin: Origin = {}): Promise<void> {
      await deps.sequelize.transaction(async (transaction) => {
        const order = (await loadVisible(actor, orderId, transaction)).get({ plain: true });
        const row = await m().OrderItem.findOne({ where: { id: itemId, order_id: orderId }, transaction });
        if (!row) throw notFound('Order item', itemId);
        await requireEditable(actor, order, 'remove_line', [], transaction);
        if (Number(order.item_count) <= 1) throw new AppError('CONFLICT', 'An order keeps at least one line; cancel the order instead');
        await row.destroy({ transaction });
        await recomputeTotals(orderId, transaction);
        await audit(deps.sequelize, actor, { action: 'order_item.deleted', targetType: 'order', targetId: orderId, entityId: String(order.retailer_id), summary: { item_id: itemId } }, { transaction, ...origin });
      });
      await bumpVersion(deps.redis, 'orders');
    },
  };
}

export type OrderService = ReturnType<typeof createOrderService>;
