/**
 * Report test data written straight into the database: orders placed at chosen instants (around
 * Denver's 2025 spring DST change, far from anything other tests make), their lifecycle events,
 * METRC submissions with attempts, POS sync runs. Product names carry commas, quotes, line breaks
 * and non-ASCII so the CSV round trip has something to get wrong.
 */
import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import type { World } from '../orders/helpers.js';

export const RANGE = { from: '2025-03-07', to: '2025-03-11' };
export const TRICKY_NAMES = ['Sour "Diesel", 3.5g', 'Café Ünïcode — 大麻 ✓\nsecond line', 'plain'];

const q = (db: Sequelize, sql: string, replacements: unknown[]) => db.query(sql, { replacements });

export interface Seeded {
  orderIds: string[];
  submissionIds: string[];
  runIds: string[];
  connectionId: string;
}

export async function seedReports(db: Sequelize, w: World, n = 8): Promise<Seeded> {
  const variants: Array<{ productId: string; variantId: string; price: number }> = [];
  for (const [i, name] of TRICKY_NAMES.entries()) {
    const productId = randomUUID();
    const variantId = randomUUID();
    await q(db, 'INSERT INTO products (id, entity_id, name, category) VALUES (?, ?, ?, ?)', [productId, w.wholesaler.id, `${name} ${w.tag}`, 'Flower']);
    await q(db, 'INSERT INTO product_variants (id, product_id, entity_id, sku, name, price_minor) VALUES (?, ?, ?, ?, ?, ?)', [variantId, productId, w.wholesaler.id, `RP-${w.tag}-${i}`, `v${i}, "x"`, 1000 + i * 250]);
    await q(db, 'INSERT INTO inventory (id, variant_id, product_id, location_id, entity_id, quantity_on_hand, quantity_reserved) VALUES (?, ?, ?, ?, ?, ?, ?)', [randomUUID(), variantId, productId, w.warehouse.id, w.wholesaler.id, 10 + i, i]);
    variants.push({ productId, variantId, price: 1000 + i * 250 });
  }

  const orderIds: string[] = [];
  // Instants spread over the range and across the DST change (2025-03-09 09:00 UTC), including
  // ones that fall on different local and UTC dates (e.g. 03:30 UTC is the previous evening in Denver).
  const base = Date.parse('2025-03-07T03:30:00Z');
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    const created = new Date(base + i * 13.5 * 3_600_000);
    const status = i === n - 1 ? 'cancelled' : i % 3 === 0 ? 'delivered' : i % 3 === 1 ? 'shipped' : 'accepted';
    const lines = variants.slice(0, 1 + (i % variants.length)).map((v, j) => ({ ...v, qty: 1 + ((i + j) % 4) }));
    const total = lines.reduce((s, l) => s + l.qty * l.price, 0);
    await q(
      db,
      `INSERT INTO orders (id, order_number, retailer_id, wholesaler_id, ship_from_location_id, ship_to_location_id, status, subtotal_minor, total_minor, item_count, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [id, `RPT-${w.tag}-${i}`, w.retailer.id, w.wholesaler.id, w.warehouse.id, w.store.id, status, total, total, lines.length, created, created],
    );
    for (const l of lines) {
      await q(db, 'INSERT INTO order_items (id, order_id, product_id, variant_id, quantity, unit_price_minor, line_total_minor) VALUES (?, ?, ?, ?, ?, ?, ?)', [randomUUID(), id, l.productId, l.variantId, l.qty, l.price, l.qty * l.price]);
    }
    const steps: Array<[string, number]> = [['accepted', 600 + i * 97]];
    if (status === 'shipped' || status === 'delivered') steps.push(['shipped', 7200 + i * 311]);
    if (status === 'delivered') steps.push(['delivered', 86_400 + i * 1009]);
    let at = created.getTime();
    let from = 'submitted';
    for (const [seq, [to, secs]] of steps.entries()) {
      at += secs * 1000;
      await q(
        db,
        `INSERT INTO order_events (id, order_id, event_key, seq, type, from_status, to_status, actor_kind, actor_id, actor_role, occurred_at)
         VALUES (?, ?, ?, ?, 'status_changed', ?, ?, 'system', 'system', 'system', ?)`,
        [randomUUID(), id, `rpt:${id}:${seq}`, seq + 1, from, to, new Date(at)],
      );
      from = to;
    }
    orderIds.push(id);
  }

  const submissionIds: string[] = [];
  for (let i = 0; i < 4; i++) {
    const id = randomUUID();
    const created = new Date(base + i * 20 * 3_600_000);
    const status = ['succeeded', 'failed', 'succeeded', 'parked'][i]!;
    const attempts = i + 1;
    const succeeded = status === 'succeeded' ? new Date(created.getTime() + (30 + i * 45) * 1000) : null;
    await q(
      db,
      `INSERT INTO metrc_submissions (id, kind, license_number, natural_key, order_id, payload, status, attempt_count, failure_reason, succeeded_at, created_at, updated_at)
       VALUES (?, 'sales_receipt', ?, ?, ?, '{}', ?, ?, ?, ?, ?, ?)`,
      [id, w.warehouse.license_number, `rpt-${w.tag}-${i}`, orderIds[i], status, attempts, status === 'failed' ? 'METRC said: "Package, not found"\nrow 1' : null, succeeded, created, created],
    );
    for (let a = 1; a <= attempts; a++) {
      const outcome = a === attempts && status === 'succeeded' ? 'succeeded' : 'failed';
      await q(db, 'INSERT INTO metrc_submission_attempts (submission_id, attempt, round, outcome, started_at) VALUES (?, ?, 1, ?, ?)', [id, a, outcome, new Date(created.getTime() + a * 5000)]);
    }
    submissionIds.push(id);
  }

  const connectionId = randomUUID();
  await q(db, `INSERT INTO pos_connections (id, entity_id, location_id, vendor, name, credentials_enc, paused) VALUES (?, ?, ?, 'dutchie', 'reports test', 'not-a-secret', 1)`, [connectionId, w.wholesaler.id, w.warehouse.id]);
  const runIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const id = randomUUID();
    const started = new Date(base + i * 30 * 3_600_000);
    await q(
      db,
      `INSERT INTO sync_runs (id, connection_id, entity_id, workflow_id, status, mode, fetched, created, updated, started_at, finished_at, duration_ms, error)
       VALUES (?, ?, ?, ?, ?, 'snapshot', ?, ?, ?, ?, ?, ?, ?)`,
      [id, connectionId, w.wholesaler.id, `rpt-sync:${id}`, i === 2 ? 'failed' : 'succeeded', 100 + i, i, 2 * i, started, new Date(started.getTime() + 4000), 4000, i === 2 ? 'vendor said, "no"' : null],
    );
    runIds.push(id);
  }
  return { orderIds, submissionIds, runIds, connectionId };
}
