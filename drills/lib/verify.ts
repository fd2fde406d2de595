/**
 * What a drill counts afterwards, from the sources of truth (the database, Temporal, the METRC
 * sandbox's records, the Redis stream), not from the driver's bookkeeping.
 */
import { QueryTypes } from 'sequelize';
import type { OrderRun } from './load.js';
import type { Stack } from './stack.js';
import type { World } from './world.js';

export interface Outcome {
  placed201: number;
  found: number;
  /** Orders answered 201 that the database does not hold. */
  lost: number;
  /** Logical orders (one marker each) that exist more than once. */
  duplicates: number;
  /** Orders answered 201 without an order workflow in Temporal. */
  withoutWorkflow: number;
  completed: number;
  driverErrors: string[];
  /** Stock taken or held beyond what the orders account for (a reservation made twice). */
  doubleReservations: number;
  /** Transfer templates METRC holds more than once for one order. */
  duplicateMetrcRecords: number;
  /** Timeline rows that record the same step twice. */
  duplicateTimelineEvents: number;
  /** Workflow timeline events (seq > 0) of these orders not on the events stream. */
  eventsNotOnStream: number;
  eventsOnStreamTwice: number;
}

export async function verifyOrders(stack: Stack, world: World, runs: OrderRun[], tag: string): Promise<Outcome> {
  const q = <T extends object>(sql: string, replacements: unknown[]) => stack.deps.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  const rows = await q<{ id: string; notes: string; status: string; order_number: string }>('SELECT id, notes, status, order_number FROM orders WHERE notes LIKE ?', [`drill-${tag}-%`]);
  const byMarker = new Map<string, number>();
  for (const r of rows) byMarker.set(r.notes, (byMarker.get(r.notes) ?? 0) + 1);
  const ids = new Set(rows.map((r) => r.id));
  const placed = runs.filter((r) => r?.accepted201);
  const client = await stack.deps.temporal.get();
  let withoutWorkflow = 0;
  for (const r of placed) {
    const d = await client.workflow.getHandle(`order:${r.id}`).describe().catch(() => null);
    if (!d) withoutWorkflow++;
  }
  const orderIds = rows.map((r) => r.id);
  const none = ['00000000-0000-0000-0000-000000000000'];
  // Stock is counted over every order on the world's stock rows (a shared hub runs several drills on it):
  // each shipped order took one unit, each accepted or fulfilled one holds one.
  const all = await q<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM orders WHERE wholesaler_id IN (?) GROUP BY status', [world.wholesalers.map((w) => w.id)]);
  const countOf = (statuses: string[]) => all.filter((r) => statuses.includes(r.status)).reduce((a, r) => a + Number(r.n), 0);
  const shipped = countOf(['shipped', 'delivered', 'completed']);
  const holding = countOf(['accepted', 'fulfilled']);
  const stock = await q<{ taken: number; reserved: number }>(
    'SELECT COALESCE(SUM(? - quantity_on_hand), 0) AS taken, COALESCE(SUM(quantity_reserved), 0) AS reserved FROM inventory WHERE id IN (?)',
    [world.onHandPerRow, world.wholesalers.flatMap((w) => w.inventory)],
  );
  const taken = Number(stock[0]!.taken);
  const reserved = Number(stock[0]!.reserved);
  // Both ways: a unit taken or held twice, or one never taken (a lost reservation) shows.
  const doubleReservations = Math.abs(taken - shipped) + Math.abs(reserved - holding);
  const dupEvents = await q<{ n: number }>(
    `SELECT COUNT(*) AS n FROM (SELECT order_id FROM order_events WHERE order_id IN (?) AND type = 'status_changed'
       GROUP BY order_id, from_status, to_status HAVING COUNT(*) > 1) d`,
    [orderIds.length ? orderIds : none],
  );
  const numbers = new Set(rows.map((r) => r.order_number));
  const templateNames = new Map<string, number>();
  for (const t of stack.metrc.state.templates.values()) {
    const name = String((t.body as { Name?: string }).Name);
    if (numbers.has(name)) templateNames.set(name, (templateNames.get(name) ?? 0) + 1);
  }
  const events = await q<{ event_key: string }>('SELECT event_key FROM order_events WHERE order_id IN (?) AND seq > 0', [orderIds.length ? orderIds : none]);
  const onStream = new Map<string, number>();
  let cursor = '-';
  for (;;) {
    const page = (await stack.deps.redis.xrange('trellis:events', cursor, '+', 'COUNT', 5000)) as Array<[string, string[]]>;
    for (const [, f] of page) {
      const k = f.indexOf('event_id');
      if (k >= 0) onStream.set(f[k + 1]!, (onStream.get(f[k + 1]!) ?? 0) + 1);
    }
    if (page.length < 5000) break;
    cursor = `(${page[page.length - 1]![0]}`;
  }
  return {
    placed201: placed.length,
    found: rows.length,
    lost: placed.filter((r) => !ids.has(r.id!)).length,
    duplicates: [...byMarker.values()].filter((n) => n > 1).length,
    withoutWorkflow,
    completed: rows.filter((r) => r.status === 'completed').length,
    driverErrors: runs.filter((r) => r?.error).map((r) => `${r.marker}: ${r.error}`),
    doubleReservations,
    duplicateMetrcRecords: [...templateNames.values()].filter((n) => n > 1).length,
    duplicateTimelineEvents: Number(dupEvents[0]!.n),
    eventsNotOnStream: events.filter((e) => !onStream.has(e.event_key)).length,
    eventsOnStreamTwice: events.filter((e) => (onStream.get(e.event_key) ?? 0) > 1).length,
  };
}
