/** Migration 0006 turns the stock rows POS syncs fed under 0005 into one package each. */
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { afterAll, describe, expect, it } from 'vitest';
import { createSequelize, dropDatabase, ensureDatabase } from '../../../db/connection.js';
import { createMigrator } from '../../../db/migrator.js';

const scratch = (() => {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = `${u.pathname}_pkgmig`;
  return u.toString();
})();

describe('migration 0006-pos-packages', () => {
  const sequelize = createSequelize(scratch, 2);
  afterAll(async () => {
    await sequelize.close();
    await dropDatabase(scratch);
  });
  const q = (sql: string, replacements: unknown[] = []) => sequelize.query(sql, { replacements });

  it('gives every fed stock row its vendor item as a package; sold-out ones retired, hand-set labels not copied', async () => {
    await dropDatabase(scratch);
    await ensureDatabase(scratch);
    const migrator = createMigrator(sequelize);
    await migrator.up({ to: '0005-pos' });

    const [entity, location, conn, run] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await q(`INSERT INTO entities (id, type, name, license_number, license_state, license_type) VALUES (?, 'wholesaler', 'E', 'L-1', 'CO', 'Wholesale')`, [entity]);
    await q(`INSERT INTO locations (id, entity_id, name, address_line1, city, state, postal_code, license_number) VALUES (?, ?, 'W', '1 Main', 'Denver', 'CO', '80202', 'L-1')`, [location, entity]);
    await q(`INSERT INTO pos_connections (id, entity_id, location_id, vendor, credentials_enc) VALUES (?, ?, ?, 'blaze', 'x')`, [conn, entity, location]);
    const stock: Array<{ id: string; vendor: string | null; conn: string | null; qty: string | null; seen: string | null }> = [
      { id: randomUUID(), vendor: 'abc', conn, qty: '4.5000', seen: run }, // fed, live
      { id: randomUUID(), vendor: 'ABC', conn, qty: '2.0000', seen: null }, // fed, never marked; ids are case-sensitive
      { id: randomUUID(), vendor: 'gone', conn, qty: '0.0000', seen: run }, // fed, sold out
      { id: randomUUID(), vendor: null, conn: null, qty: null, seen: null }, // hand-made
    ];
    for (const [k, s] of stock.entries()) {
      const [product, variant] = [randomUUID(), randomUUID()];
      await q(`INSERT INTO products (id, entity_id, name, category) VALUES (?, ?, 'P', 'Flower')`, [product, entity]);
      await q(`INSERT INTO product_variants (id, product_id, entity_id, sku, name, price_minor) VALUES (?, ?, ?, ?, 'V', 100)`, [variant, product, entity, `SKU-${k}`]);
      await q(
        `INSERT INTO inventory (id, variant_id, product_id, location_id, entity_id, quantity_on_hand, metrc_package_label, pos_connection_id, vendor_item_id, pos_quantity, pos_seen_run)
         VALUES (?, ?, ?, ?, ?, 1, '1A4000000000000000000009', ?, ?, ?, ?)`,
        [s.id, variant, product, location, entity, s.conn, s.vendor, s.qty, s.seen],
      );
    }

    await migrator.up();
    const packages = await sequelize.query<{ vendor_item_id: string; inventory_id: string; pos_quantity: string; pos_seen_run: string | null; metrc_package_label: string | null }>(
      'SELECT vendor_item_id, inventory_id, pos_quantity, pos_seen_run, metrc_package_label FROM inventory_packages WHERE pos_connection_id = ? ORDER BY vendor_item_id',
      { replacements: [conn], type: QueryTypes.SELECT },
    );
    expect(packages.map((p) => [p.vendor_item_id, p.inventory_id, Number(p.pos_quantity), p.pos_seen_run, p.metrc_package_label])).toEqual([
      ['ABC', stock[1]!.id, 2, '00000000-0000-0000-0000-000000000000', null],
      ['abc', stock[0]!.id, 4.5, run, null],
      ['gone', stock[2]!.id, 0, null, null],
    ]);

    await migrator.down({ to: '0006-pos-packages' });
    const [tables] = await sequelize.query("SHOW TABLES LIKE 'inventory_packages'");
    expect(tables).toEqual([]);
  });
});
