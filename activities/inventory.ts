import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { ActivityDeps } from './deps.js';

/**
 * Stock holds for orders. Every change happens in one transaction that locks the inventory rows
 * it touches in id order (so concurrent accepts queue instead of deadlocking) and records exactly
 * what it took in `stock_reservations`. Those rows make every activity here idempotent: a
 * retried reserve finds its holds and does nothing; release and ship only consume holds still
 * `held`.
 */
export interface ShortLine {
  item_id: string;
  variant_id: string;
  requested: number;
  available: number;
}

export interface StockResult {
  /** Units affected by this call (0 when a retry found the work already done). */
  units: number;
  lines: number;
  alreadyDone: boolean;
}

const DEADLOCK_CODES = new Set([1213, 1205]); // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT

/** InnoDB may still pick a victim under heavy contention; re-run the whole transaction then. */
async function inTransaction<T>(sequelize: Sequelize, fn: (t: Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sequelize.transaction(fn);
    } catch (err) {
      const code = (err as { parent?: { errno?: number } }).parent?.errno;
      if (attempt >= 5 || code === undefined || !DEADLOCK_CODES.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 30));
    }
  }
}

interface Hold {
  id: string;
  inventory_id: string;
  quantity: number;
}

export function createInventoryActivities({ sequelize }: Pick<ActivityDeps, 'sequelize'>) {
  const q = <T extends object>(sql: string, replacements: unknown[], transaction: Transaction) =>
    sequelize.query<T>(sql, { replacements, transaction, type: QueryTypes.SELECT });

  /** Consumes the order's `held` reservations: release gives them back, ship takes them out. */
  async function consumeHolds(orderId: string, mode: 'released' | 'shipped'): Promise<StockResult> {
    return inTransaction(sequelize, async (transaction) => {
      const holds = await q<Hold>(
        `SELECT id, inventory_id, quantity FROM stock_reservations WHERE order_id = ? AND state = 'held' ORDER BY inventory_id FOR UPDATE`,
        [orderId],
        transaction,
      );
      if (holds.length === 0) return { units: 0, lines: 0, alreadyDone: true };
      await q(`SELECT id FROM inventory WHERE id IN (?) ORDER BY id FOR UPDATE`, [holds.map((h) => h.inventory_id)], transaction);
      let units = 0;
      for (const h of holds) {
        units += h.quantity;
        const sql =
          mode === 'released'
            ? 'UPDATE inventory SET quantity_reserved = quantity_reserved - ? WHERE id = ?'
            : 'UPDATE inventory SET quantity_reserved = quantity_reserved - ?, quantity_on_hand = quantity_on_hand - ? WHERE id = ?';
        await sequelize.query(sql, {
          replacements: mode === 'released' ? [h.quantity, h.inventory_id] : [h.quantity, h.quantity, h.inventory_id],
          transaction,
        });
      }
      await sequelize.query(`UPDATE stock_reservations SET state = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE id IN (?)`, {
        replacements: [mode, holds.map((h) => h.id)],
        transaction,
      });
      return { units, lines: holds.length, alreadyDone: false };
    });
  }

  return {
    /**
     * Reserves every line at the order's ship-from location, all or none. Short lines are listed
     * in a non-retryable `InsufficientStock` failure (waiting will not create stock).
     */
    async reserveStock(input: { orderId: string }): Promise<StockResult> {
      return inTransaction(sequelize, async (transaction) => {
        const [order] = await q<{ id: string; ship_from_location_id: string }>(
          'SELECT id, ship_from_location_id FROM orders WHERE id = ? FOR UPDATE',
          [input.orderId],
          transaction,
        );
        if (!order) throw ApplicationFailure.create({ type: 'NotFound', nonRetryable: true, message: `Order ${input.orderId} not found` });
        const [prior] = await q<{ n: number }>('SELECT COUNT(*) AS n FROM stock_reservations WHERE order_id = ?', [input.orderId], transaction);
        if (Number(prior?.n) > 0) return { units: 0, lines: 0, alreadyDone: true };

        const items = await q<{ id: string; variant_id: string; quantity: number }>(
          'SELECT id, variant_id, quantity FROM order_items WHERE order_id = ? ORDER BY id',
          [input.orderId],
          transaction,
        );
        const stock = await q<{ id: string; variant_id: string; quantity_on_hand: number; quantity_reserved: number }>(
          `SELECT id, variant_id, quantity_on_hand, quantity_reserved FROM inventory
           WHERE location_id = ? AND variant_id IN (?) ORDER BY id FOR UPDATE`,
          [order.ship_from_location_id, items.map((i) => i.variant_id)],
          transaction,
        );
        const byVariant = new Map(stock.map((s) => [s.variant_id, s]));
        const short: ShortLine[] = [];
        for (const item of items) {
          const row = byVariant.get(item.variant_id);
          const available = row ? Number(row.quantity_on_hand) - Number(row.quantity_reserved) : 0;
          if (available < item.quantity) short.push({ item_id: item.id, variant_id: item.variant_id, requested: item.quantity, available: Math.max(0, available) });
        }
        if (short.length) {
          throw ApplicationFailure.create({
            type: 'InsufficientStock',
            nonRetryable: true,
            message: `Not enough stock at the ship-from location for ${short.length} line(s)`,
            details: [{ short_lines: short }],
          });
        }
        let units = 0;
        for (const item of items) {
          const row = byVariant.get(item.variant_id)!;
          units += item.quantity;
          await sequelize.query('UPDATE inventory SET quantity_reserved = quantity_reserved + ? WHERE id = ?', {
            replacements: [item.quantity, row.id],
            transaction,
          });
          await sequelize.query(
            `INSERT INTO stock_reservations (id, order_id, order_item_id, inventory_id, quantity, state) VALUES (?, ?, ?, ?, ?, 'held')`,
            { replacements: [randomUUID(), input.orderId, item.id, row.id, item.quantity], transaction },
          );
        }
        return { units, lines: items.length, alreadyDone: false };
      });
    },

    /** Saga compensation for accept: gives back exactly what the order still holds. */
    async releaseStock(input: { orderId: string }): Promise<StockResult> {
      return consumeHolds(input.orderId, 'released');
    },

    /** Shipping moves the held units out of the building: on hand and reserved both drop. */
    async shipStock(input: { orderId: string }): Promise<StockResult> {
      return consumeHolds(input.orderId, 'shipped');
    },
  };
}
