import { randomBytes, randomUUID } from 'node:crypto';
import { Op, type Transaction } from 'sequelize';
import { tenantOf, type Actor } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import { formatOrderNumber } from '../../domain/orderNumber.js';
import { models, type Row } from '../../db/models.js';
import { checkIfMatch } from '../http/etag.js';
import { eitherParty } from '../resources/common.js';
import { orderItemToApi, orderToApi } from '../resources/orders.js';
import { bumpVersion } from './counts.js';
import { orderBy, type CrudDeps, type Page } from './crud.js';

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

export function createOrderService(deps: CrudDeps) {
  const m = () => models(deps.sequelize);

  async function loadVisible(actor: Actor, id: string, transaction?: Transaction) {
    const where = eitherParty(actor);
    const row = await m().Order.findOne({
      where: where ? { [Op.and]: [{ id }, where] } : { id },
      ...(transaction ? { transaction, lock: transaction.LOCK.UPDATE } : {}),
    });
    if (!row) throw notFound('Order', id);
    return row;
  }

  async function withItems(order: Row, transaction?: Transaction) {
    const items = await m().OrderItem.findAll({
      where: { order_id: order.id },
      order: [['created_at', 'ASC'], ['id', 'ASC']],
      raw: true,
      ...(transaction ? { transaction } : {}),
    });
    return { ...orderToApi(order), items: (items as unknown as Row[]).map(orderItemToApi) };
  }

  /** Prices each line from the wholesaler's own variants; every reference must fit the order. */
  async function priceLines(wholesalerId: string, lines: OrderLineInput[], transaction: Transaction) {
    const seen = new Set<string>();
    lines.forEach((l, i) => {
      if (seen.has(l.variant_id)) throw new AppError('VALIDATION_ERROR', 'Each variant may appear once per order', { field: `items[${i}].variant_id`, issue: 'duplicate' });
      seen.add(l.variant_id);
    });
    const variants = (await m().ProductVariant.findAll({
      where: { id: [...seen] },
      raw: true,
      transaction,
    })) as unknown as Row[];
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

  async function recomputeTotals(orderId: string, transaction: Transaction) {
    const [rows] = await deps.sequelize.query(
      'SELECT COALESCE(SUM(line_total_minor), 0) AS subtotal, COUNT(*) AS n FROM order_items WHERE order_id = ?',
      { replacements: [orderId], transaction },
    );
    const r = (rows as Array<{ subtotal: string | number; n: number }>)[0]!;
    const subtotal = Number(r.subtotal);
    await m().Order.update(
      { subtotal_minor: subtotal, total_minor: subtotal, item_count: Number(r.n), version: deps.sequelize.literal('version + 1') },
      { where: { id: orderId }, transaction },
    );
  }

  function requireEditable(order: Row) {
    if (order.status !== 'submitted') {
      throw new AppError('CONFLICT', `Order is ${String(order.status)}; lines and details change only while submitted`, { status: order.status });
    }
  }

  return {
    async create(actor: Actor, input: OrderCreateInput): Promise<Row> {
      const tenant = tenantOf(actor);
      if (tenant && tenant !== input.retailer_id) {
        throw new AppError('FORBIDDEN', 'You can only place orders for your own entity', { field: 'retailer_id' });
      }
      const order = await deps.sequelize.transaction(async (transaction) => {
        const [retailer, wholesaler, from, to] = await Promise.all([
          m().Entity.findByPk(input.retailer_id, { raw: true, transaction }) as Promise<Row | null>,
          m().Entity.findByPk(input.wholesaler_id, { raw: true, transaction }) as Promise<Row | null>,
          m().Location.findByPk(input.ship_from_location_id, { raw: true, transaction }) as Promise<Row | null>,
          m().Location.findByPk(input.ship_to_location_id, { raw: true, transaction }) as Promise<Row | null>,
        ]);
        if (!retailer || retailer.type === 'wholesaler') throw unprocessable('retailer_id', 'not a retailer');
        if (!wholesaler || wholesaler.type === 'retailer') throw unprocessable('wholesaler_id', 'not a wholesaler');
        if (retailer.id === wholesaler.id) throw unprocessable('wholesaler_id', 'an entity cannot order from itself');
        if (!from || from.entity_id !== wholesaler.id) throw unprocessable('ship_from_location_id', 'not a location of the wholesaler');
        if (!to || to.entity_id !== retailer.id) throw unprocessable('ship_to_location_id', 'not a location of the retailer');

        const lines = await priceLines(input.wholesaler_id, input.items, transaction);
        const currencies = new Set(lines.map((l) => l.currency));
        if (currencies.size > 1) throw unprocessable('items', 'all lines must share one currency');
        const subtotal = lines.reduce((s, l) => s + l.line_total_minor, 0);
        const id = randomUUID();
        const values = {
          id,
          order_number: formatOrderNumber(new Date(), randomBytes(6)),
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
        };
        await m().Order.create(values, { transaction });
        await m().OrderItem.bulkCreate(
          lines.map((l) => ({
            id: randomUUID(),
            order_id: id,
            product_id: l.product_id,
            variant_id: l.variant_id,
            quantity: l.quantity,
            unit_price_minor: l.unit_price_minor,
            line_total_minor: l.line_total_minor,
          })),
          { transaction },
        );
        const created = (await m().Order.findByPk(id, { raw: true, transaction })) as unknown as Row;
        return withItems(created, transaction);
      });
      await bumpVersion(deps.redis, 'orders');
      return order;
    },

    async get(actor: Actor, id: string): Promise<Row> {
      const row = await loadVisible(actor, id);
      return withItems(row.get({ plain: true }));
    },

    async update(actor: Actor, id: string, patch: Row, ifMatch?: string): Promise<Row> {
      const result = await deps.sequelize.transaction(async (transaction) => {
        const row = await loadVisible(actor, id, transaction);
        const current = await withItems(row.get({ plain: true }), transaction);
        checkIfMatch(ifMatch, current);
        requireEditable(current);
        await row.update({ ...patch, version: Number(row.get('version')) + 1 }, { transaction });
        return withItems(row.get({ plain: true }), transaction);
      });
      await bumpVersion(deps.redis, 'orders');
      return result;
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

    async addItem(actor: Actor, orderId: string, line: OrderLineInput): Promise<Row> {
      const item = await deps.sequelize.transaction(async (transaction) => {
        const order = (await loadVisible(actor, orderId, transaction)).get({ plain: true });
        requireEditable(order);
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
        return m().OrderItem.findByPk(id, { raw: true, transaction });
      });
      await bumpVersion(deps.redis, 'orders');
      return orderItemToApi(item as unknown as Row);
    },

    async updateItem(actor: Actor, orderId: string, itemId: string, quantity: number, ifMatch?: string): Promise<Row> {
      const item = await deps.sequelize.transaction(async (transaction) => {
        const order = (await loadVisible(actor, orderId, transaction)).get({ plain: true });
        const row = await m().OrderItem.findOne({ where: { id: itemId, order_id: orderId }, transaction, lock: transaction.LOCK.UPDATE });
        if (!row) throw notFound('Order item', itemId);
        checkIfMatch(ifMatch, orderItemToApi(row.get({ plain: true })));
        requireEditable(order);
        await row.update({ quantity, line_total_minor: Number(row.get('unit_price_minor')) * quantity }, { transaction });
        await recomputeTotals(orderId, transaction);
        return row.get({ plain: true });
      });
      await bumpVersion(deps.redis, 'orders');
      return orderItemToApi(item);
    },

    async removeItem(actor: Actor, orderId: string, itemId: string): Promise<void> {
      await deps.sequelize.transaction(async (transaction) => {
        const order = (await loadVisible(actor, orderId, transaction)).get({ plain: true });
        const row = await m().OrderItem.findOne({ where: { id: itemId, order_id: orderId }, transaction });
        if (!row) throw notFound('Order item', itemId);
        requireEditable(order);
        if (Number(order.item_count) <= 1) throw new AppError('CONFLICT', 'An order keeps at least one line; cancel the order instead');
        await row.destroy({ transaction });
        await recomputeTotals(orderId, transaction);
      });
      await bumpVersion(deps.redis, 'orders');
    },
  };
}

export type OrderService = ReturnType<typeof createOrderService>;
