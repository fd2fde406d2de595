import { randomUUID } from 'node:crypto';
import type { ScriptedTransaction, Statement, TransactionEnd } from '../tx.js';

/**
 * Stock holds for orders. Every change happens in one transaction that locks the inventory rows
 * it touches in id order (so concurrent accepts queue instead of deadlocking) and records exactly
 * what it took in `stock_reservations`. Those rows make every step here idempotent: a retried
 * reserve finds its holds and does nothing; release and ship only consume holds still `held`.
 * Every stock row changed bumps its updated_at (issue 14.5: a partner polling /inventory by
 * -updated_at must see reservations, releases and shipments). The steps run inside a writer
 * transaction (db/tx.ts) so the order's read-model step can commit them with its own rows.
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

interface Hold {
  id: string;
  inventory_id: string;
  quantity: number;
}

/** No such order: nothing was written. */
export class OrderMissing extends Error {
  constructor(readonly orderId: string) {
    super(`Order ${orderId} not found`);
  }
}

/** Some lines cannot be covered at the ship-from location: nothing was written. */
export class StockShort extends Error {
  constructor(readonly lines: ShortLine[]) {
    super(`Not enough stock at the ship-from location for ${lines.length} line(s)`);
  }
}

type StockStep = TransactionEnd<StockResult>;

/** Consumes the order's `held` reservations inside `tx`: release gives them back, ship takes them out. */
export async function consumeHoldsIn(
  tx: ScriptedTransaction,
  orderId: string,
  mode: 'released' | 'shipped',
): Promise<StockStep> {
  const [rows] = await tx.run([
    {
      sql: `SELECT id, inventory_id, quantity FROM stock_reservations WHERE order_id = ? AND state = 'held' ORDER BY inventory_id FOR UPDATE`,
      values: [orderId],
    },
  ]);
  const holds = rows as unknown as Hold[];
  if (holds.length === 0) return { value: { units: 0, lines: 0, alreadyDone: true }, commit: false };
  // In inventory id order (the holds' order), as every stock transaction locks them.
  const writes: Statement[] = holds.map((h) =>
    mode === 'released'
      ? {
          sql: 'UPDATE inventory SET quantity_reserved = quantity_reserved - ?, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?',
          values: [h.quantity, h.inventory_id],
        }
      : {
          sql: 'UPDATE inventory SET quantity_reserved = quantity_reserved - ?, quantity_on_hand = quantity_on_hand - ?, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?',
          values: [h.quantity, h.quantity, h.inventory_id],
        },
  );
  writes.push({
    sql: 'UPDATE stock_reservations SET state = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE id IN (?)',
    values: [mode, holds.map((h) => h.id)],
  });
  const units = holds.reduce((a, h) => a + Number(h.quantity), 0);
  return { value: { units, lines: holds.length, alreadyDone: false }, writes };
}

/**
 * Reserves every line at the order's ship-from location inside `tx`, all or none. Short lines are
 * listed in `StockShort` (the activity makes that a non-retryable `InsufficientStock`).
 */
export async function reserveIn(tx: ScriptedTransaction, orderId: string): Promise<StockStep> {
  const [orders, prior, itemRows] = await tx.run([
    { sql: 'SELECT id, ship_from_location_id FROM orders WHERE id = ? FOR UPDATE', values: [orderId] },
    { sql: 'SELECT COUNT(*) AS n FROM stock_reservations WHERE order_id = ?', values: [orderId] },
    { sql: 'SELECT id, variant_id, quantity FROM order_items WHERE order_id = ? ORDER BY id', values: [orderId] },
  ]);
  const order = orders?.[0] as { ship_from_location_id: string } | undefined;
  if (!order) throw new OrderMissing(orderId);
  if (Number(prior?.[0]?.n) > 0) return { value: { units: 0, lines: 0, alreadyDone: true }, commit: false };
  const items = itemRows as unknown as Array<{ id: string; variant_id: string; quantity: number }>;
  const [stockRows] = await tx.run([
    {
      sql: `SELECT id, variant_id, quantity_on_hand, quantity_reserved FROM inventory
             WHERE location_id = ? AND variant_id IN (?) ORDER BY id FOR UPDATE`,
      values: [order.ship_from_location_id, items.map((i) => i.variant_id)],
    },
  ]);
  const stock = stockRows as unknown as Array<{
    id: string;
    variant_id: string;
    quantity_on_hand: number;
    quantity_reserved: number;
  }>;
  const byVariant = new Map(stock.map((s) => [s.variant_id, s]));
  const short: ShortLine[] = [];
  for (const item of items) {
    const row = byVariant.get(item.variant_id);
    const available = row ? Number(row.quantity_on_hand) - Number(row.quantity_reserved) : 0;
    if (available < item.quantity)
      short.push({
        item_id: item.id,
        variant_id: item.variant_id,
        requested: item.quantity,
        available: Math.max(0, available),
      });
  }
  if (short.length) throw new StockShort(short);
  const writes: Statement[] = [];
  for (const item of items) {
    const row = byVariant.get(item.variant_id)!;
    writes.push(
      {
        sql: 'UPDATE inventory SET quantity_reserved = quantity_reserved + ?, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?',
        values: [item.quantity, row.id],
      },
      {
        sql: `INSERT INTO stock_reservations (id, order_id, order_item_id, inventory_id, quantity, state) VALUES (?, ?, ?, ?, ?, 'held')`,
        values: [randomUUID(), orderId, item.id, row.id, item.quantity],
      },
    );
  }
  const units = items.reduce((a, i) => a + Number(i.quantity), 0);
  return { value: { units, lines: items.length, alreadyDone: false }, writes };
}

