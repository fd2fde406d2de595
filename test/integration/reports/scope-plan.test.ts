/**
 * Tenant scope in the query plan (issue 17: "a report over another tenant's data is impossible by
 * construction"). The sales and fulfilment report activities run for a wholesaler-scoped and a
 * retailer-scoped request; every SELECT they send that reads orders is captured as sent (SQL and
 * replacements) and EXPLAINed (FORMAT=JSON) on the same seeded database. What must hold whatever
 * the optimizer picks (MariaDB 10.11 or MySQL 8, any join order, index or row estimate):
 *   - the statement binds the tenant to the scope columns (`o.retailer_id = ? OR o.wholesaler_id = ?`);
 *   - in the plan, the scope is applied where the orders table is read: its access key is a scope
 *     column, or its attached/index condition compares a scope column with the tenant's id.
 * So rows of other tenants are never read into the report and filtered afterwards.
 * Staff requests (no tenant) are the control: the same check finds no scope there.
 */
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createReportActivities } from '../../../activities/reports.js';
import { insertReport } from '../../../db/repositories/reports.js';
import { createDeps, closeDeps } from '../../support/harness.js';

type Deps = ReturnType<typeof createDeps>;
let deps: Deps;
const FROM = '2024-03-01';
const TO = '2024-03-28';
const SCOPE_COLUMNS = ['retailer_id', 'wholesaler_id'];

interface Party {
  id: string;
  location: string;
}
const wholesalers: Party[] = [];
const retailers: Party[] = [];

async function seed(db: Sequelize) {
  const q = (sql: string, replacements: unknown[]) => db.query(sql, { replacements });
  const party = async (type: string): Promise<Party> => {
    const id = randomUUID();
    const location = randomUUID();
    await q(`INSERT INTO entities (id, type, name, license_number, license_state, license_type) VALUES (?, ?, ?, ?, 'CO', 'x')`, [id, type, `${type} plan`, `SP-${id.slice(0, 12)}`]);
    await q(`INSERT INTO locations (id, entity_id, name, address_line1, city, state, postal_code, license_number) VALUES (?, ?, 'L', 'a', 'c', 'CO', '1', ?)`, [location, id, `SPL-${location.slice(0, 12)}`]);
    return { id, location };
  };
  for (let i = 0; i < 6; i++) wholesalers.push(await party('wholesaler'));
  for (let i = 0; i < 12; i++) retailers.push(await party('retailer'));
  const products = [];
  for (const w of wholesalers) {
    for (let i = 0; i < 4; i++) {
      const p = { id: randomUUID(), variant: randomUUID(), w: w.id };
      await q('INSERT INTO products (id, entity_id, name, category) VALUES (?, ?, ?, ?)', [p.id, w.id, `plan product ${i}`, 'Flower']);
      await q('INSERT INTO product_variants (id, product_id, entity_id, sku, name, price_minor) VALUES (?, ?, ?, ?, ?, ?)', [p.variant, p.id, w.id, `SP-${p.variant.slice(0, 8)}`, 'v', 1000 + i]);
      products.push(p);
    }
  }
  // 3,000 orders over the four weeks and some before and after, every pair of parties trading,
  // so the scoped rows are a small share of what the range alone would read.
  const N = 3000;
  const start = Date.parse('2024-02-20T00:00:00Z');
  const span = 45 * 86_400_000;
  for (let b = 0; b < N; b += 500) {
    const orders: unknown[] = [];
    const items: unknown[] = [];
    for (let i = b; i < b + 500; i++) {
      const w = wholesalers[i % wholesalers.length]!;
      const r = retailers[(i * 7) % retailers.length]!;
      const p = products.filter((x) => x.w === w.id)[i % 4]!;
      const oid = randomUUID();
      const at = new Date(start + Math.floor((i / N) * span));
      orders.push(oid, `SP-${oid.slice(0, 23)}`, r.id, w.id, w.location, r.location, 'delivered', at, at);
      items.push(randomUUID(), oid, p.id, p.variant, 1, 1000, 1000);
    }
    await db.query(
      `INSERT INTO orders (id, order_number, retailer_id, wholesaler_id, ship_from_location_id, ship_to_location_id, status, created_at, updated_at) VALUES ${Array.from({ length: 500 }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(',')}`,
      { replacements: orders },
    );
    await db.query(
      `INSERT INTO order_items (id, order_id, product_id, variant_id, quantity, unit_price_minor, line_total_minor) VALUES ${Array.from({ length: 500 }, () => '(?, ?, ?, ?, ?, ?, ?)').join(',')}`,
      { replacements: items },
    );
  }
  await db.query('ANALYZE TABLE orders, order_items');
}

beforeAll(async () => {
  deps = createDeps();
  await seed(deps.sequelize);
}, 120_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await closeDeps(deps);
});

interface Sent {
  sql: string;
  replacements: unknown[];
}

/** Runs the report's start and write activities for `tenant`; answers every SELECT on orders they sent. */
async function queriesOf(type: 'sales' | 'fulfilment_times', tenant: string | null): Promise<Sent[]> {
  const sent: Sent[] = [];
  const db = deps.sequelize;
  const real = db.query.bind(db);
  const spy = vi.spyOn(db, 'query').mockImplementation(((sql: string, options?: { replacements?: unknown[] }) => {
    if (/^\s*SELECT/i.test(sql) && /\borders o\b/.test(sql)) sent.push({ sql, replacements: [...(options?.replacements ?? [])] });
    return real(sql, options as never);
  }) as never);
  try {
    const reportId = randomUUID();
    const params = { type, format: 'csv', from: FROM, to: TO, timezone: 'UTC', period: 'week', bom: false };
    await insertReport(db, { id: reportId, type, format: 'csv', params: JSON.stringify(params), entity_id: tenant, requested_by: 'scope-plan test', schedule_id: null, workflow_id: `report:${reportId}` });
    const acts = createReportActivities(deps.activityDeps());
    await acts.reportStart({ reportId });
    const { rows } = await acts.reportWrite({ reportId, pageSize: 8 });
    expect(rows).toBeGreaterThan(0);
  } finally {
    spy.mockRestore();
  }
  return sent;
}

type Json = Record<string, unknown>;

/** Every `table` node of an EXPLAIN FORMAT=JSON document reading the table aliased `alias`. */
function tableNodes(doc: unknown, alias: string, out: Json[] = []): Json[] {
  if (Array.isArray(doc)) for (const d of doc) tableNodes(d, alias, out);
  else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc as Json)) {
      if (k === 'table' && v && typeof v === 'object' && (v as Json).table_name === alias) out.push(v as Json);
      tableNodes(v, alias, out);
    }
  }
  return out;
}

/**
 * Whether the plan reads `o` with the tenant's scope: a condition on a scope column that names the
 * tenant's id (attached to the table or pushed into its index), or an index merge over both scope
 * columns' indexes (the OR as a union of two index lookups; the literal then lives in the ranges).
 */
function scopeAtOrders(node: Json, tenant: string): { applied: boolean; how: string } {
  const merge = node.index_merge ? JSON.stringify(node.index_merge) : '';
  const byKey = merge !== '' && SCOPE_COLUMNS.every((c) => merge.includes(`"${c}"`));
  const conditions = [node.attached_condition, node.index_condition, node.pushed_index_condition].filter((c): c is string => typeof c === 'string');
  const byCondition = conditions.some((c) => c.includes(tenant) && SCOPE_COLUMNS.some((col) => c.includes(col)));
  return { applied: byKey || byCondition, how: JSON.stringify({ key: node.key, ref: node.ref, used_key_parts: node.used_key_parts, access_type: node.access_type, conditions }) };
}

async function explain(s: Sent): Promise<unknown> {
  const [row] = await deps.sequelize.query<Record<string, string>>(`EXPLAIN FORMAT=JSON ${s.sql}`, { replacements: s.replacements, type: QueryTypes.SELECT });
  return JSON.parse(Object.values(row!)[0]!);
}

describe('report queries are tenant-scoped in the query plan', () => {
  for (const type of ['sales', 'fulfilment_times'] as const) {
    for (const who of ['wholesaler', 'retailer'] as const) {
      it(`${type} for a ${who}: every orders query binds the tenant and reads orders through it`, async () => {
        const tenant = (who === 'wholesaler' ? wholesalers : retailers)[1]!.id;
        const sent = await queriesOf(type, tenant);
        // The count, and for a page size of 8 several pages (sales) or wholesaler pages and their steps (fulfilment).
        expect(sent.length).toBeGreaterThanOrEqual(3);
        for (const s of sent) {
          // The statement text: the scope condition on both party columns, the tenant bound to each.
          expect(s.sql).toMatch(/\(o\.retailer_id = \? OR o\.wholesaler_id = \?\)/);
          expect(s.replacements.filter((r) => r === tenant).length).toBeGreaterThanOrEqual(2);
          // The plan: orders is read with the scope, at the orders table itself.
          const nodes = tableNodes(await explain(s), 'o');
          expect(nodes.length, s.sql).toBeGreaterThan(0);
          for (const n of nodes) {
            const { applied, how } = scopeAtOrders(n, tenant);
            expect(applied, `${how}\n${s.sql}`).toBe(true);
          }
        }
      });
    }

    it(`${type} for staff (the control): no scope, and the check says so`, async () => {
      const sent = await queriesOf(type, null);
      expect(sent.length).toBeGreaterThan(0);
      for (const s of sent) {
        expect(s.sql).not.toMatch(/o\.retailer_id = \? OR o\.wholesaler_id = \?/);
        // A retailer's id: staff fulfilment pages name wholesalers (the keyset), never a retailer.
        for (const n of tableNodes(await explain(s), 'o')) expect(scopeAtOrders(n, retailers[1]!.id).applied).toBe(false);
      }
    });
  }
});
