/**
 * Names for the ids people would otherwise read: parties (name and licence number), variants
 * (product, brand, SKU, strain, unit) and locations. Callers pass ids from rows the actor was
 * already allowed to read; the names themselves are the public directory and catalog.
 */
import { QueryTypes, type Sequelize } from 'sequelize';

export interface PartyLabel {
  name: string;
  license_number: string | null;
}
export interface VariantLabel {
  sku: string;
  variant_name: string;
  unit_of_measure: string;
  product_name: string;
  brand: string | null;
  strain: string | null;
  category: string;
}
export interface LocationLabel {
  name: string;
  license_number: string | null;
}

const unique = (ids: Iterable<unknown>) => [...new Set([...ids].filter((v): v is string => typeof v === 'string' && v.length > 0))];

export async function partyLabels(sequelize: Sequelize, ids: Iterable<unknown>): Promise<Map<string, PartyLabel>> {
  const list = unique(ids);
  if (!list.length) return new Map();
  const rows = await sequelize.query<{ id: string } & PartyLabel>('SELECT id, name, license_number FROM entities WHERE id IN (?)', {
    replacements: [list],
    type: QueryTypes.SELECT,
  });
  return new Map(rows.map((r) => [r.id, { name: r.name, license_number: r.license_number }]));
}

export async function variantLabels(sequelize: Sequelize, ids: Iterable<unknown>): Promise<Map<string, VariantLabel>> {
  const list = unique(ids);
  if (!list.length) return new Map();
  const rows = await sequelize.query<{ id: string } & VariantLabel>(
    `SELECT v.id, v.sku, v.name AS variant_name, v.unit_of_measure, p.name AS product_name, p.brand, p.strain, p.category
       FROM product_variants v JOIN products p ON p.id = v.product_id
      WHERE v.id IN (?)`,
    { replacements: [list], type: QueryTypes.SELECT },
  );
  return new Map(rows.map(({ id, ...label }) => [id, label]));
}

export async function locationLabels(sequelize: Sequelize, ids: Iterable<unknown>): Promise<Map<string, LocationLabel>> {
  const list = unique(ids);
  if (!list.length) return new Map();
  const rows = await sequelize.query<{ id: string } & LocationLabel>('SELECT id, name, license_number FROM locations WHERE id IN (?)', {
    replacements: [list],
    type: QueryTypes.SELECT,
  });
  return new Map(rows.map((r) => [r.id, { name: r.name, license_number: r.license_number }]));
}

/** The product (METRC item) a package label is stocked as anywhere in the hub, if it is. */
export async function itemNameOfPackage(sequelize: Sequelize, label: string): Promise<string | undefined> {
  const rows = await sequelize.query<{ name: string }>(
    'SELECT p.name FROM inventory i JOIN products p ON p.id = i.product_id WHERE i.metrc_package_label = ? LIMIT 1',
    { replacements: [label], type: QueryTypes.SELECT },
  );
  return rows[0]?.name;
}

/** Who holds each licence number: the entity licensed under it, or owning the premises licensed under it. */
export async function licenceHolders(sequelize: Sequelize, licenses: Iterable<unknown>): Promise<Map<string, string>> {
  const list = unique(licenses);
  if (!list.length) return new Map();
  const rows = await sequelize.query<{ license_number: string; name: string }>(
    `SELECT license_number, name FROM entities WHERE license_number IN (:list)
     UNION ALL
     SELECT l.license_number, e.name FROM locations l JOIN entities e ON e.id = l.entity_id WHERE l.license_number IN (:list)`,
    { replacements: { list }, type: QueryTypes.SELECT },
  );
  const out = new Map<string, string>();
  for (const r of rows) if (!out.has(r.license_number)) out.set(r.license_number, r.name);
  return out;
}
