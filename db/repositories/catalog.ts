/**
 * The retailer-facing catalogue's SQL (api/services/catalog.ts shapes and caches it): sellable
 * variants of wholesalers whose licence is current, with what can still be ordered at each of the
 * seller's own premises. Only public catalogue fields leave this module: never stock rows, on-hand
 * or reserved counts (a competitor's order volume), package labels or POS bookkeeping.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { NO_ROWS, sqlWithinScope, type SqlCondition } from '../sqlScope.js';

export const CATALOG_SORTS = ['name', 'price', 'available'] as const;
export type CatalogSort = (typeof CATALOG_SORTS)[number] | `-${(typeof CATALOG_SORTS)[number]}`;

export interface CatalogQuery {
  /** 'YYYY-MM-DD' (UTC): sellers whose licence expired before it are left out. */
  today: string;
  /** Boolean-mode FULLTEXT query over the product's text (api/services/search.ts), if any. */
  fulltext?: string;
  /** LIKE pattern for a SKU prefix, already escaped. */
  skuPrefix?: string;
  /** A search with nothing to search for (blank): no matches rather than everything. */
  nothing?: boolean;
  wholesalerId?: string;
  category?: string;
  locationId?: string;
  variantId?: string;
  inStock: boolean;
  sort: CatalogSort;
  limit: number;
  offset: number;
}

export interface CatalogRow {
  variant_id: string;
  product_id: string;
  sku: string;
  name: string;
  product_name: string;
  brand: string | null;
  category: string;
  price_minor: number | string;
  currency: string;
  unit_of_measure: string;
  wholesaler_id: string;
  wholesaler_name: string;
  quantity_available: number | string;
}

export interface CatalogStockRow {
  variant_id: string;
  location_id: string;
  location_name: string;
  city: string;
  state: string;
  quantity_available: number | string;
}

// What may be ordered from a stock row: never negative, whatever a stale row says.
const AVAILABLE = 'GREATEST(i.quantity_on_hand - i.quantity_reserved, 0)';
// A seller's own stock at its own premises: a row pointing at someone else's location is not an offer.
const OWN_STOCK = 'inventory i JOIN locations l ON l.id = i.location_id AND l.entity_id = i.entity_id';

const ORDER: Record<string, string> = {
  name: 'c.product_name, c.name, c.variant_id',
  price: 'c.price_minor, c.variant_id',
  available: 'c.quantity_available, c.variant_id',
};

function orderBy(sort: CatalogSort): string {
  const desc = sort.startsWith('-');
  const cols = ORDER[desc ? sort.slice(1) : sort]!;
  return cols.split(', ').map((c) => `${c} ${desc ? 'DESC' : 'ASC'}`).join(', ');
}

/**
 * The variants the query names, with their availability at the premises it considers. Without
 * `withStock` (a count that filters on no stock figure) the per-variant stock look-ups are left out.
 */
function candidates(q: CatalogQuery, withStock = true): { sql: string; replacements: unknown[] } {
  const at = q.locationId ? ' AND i.location_id = ?' : '';
  const atValues = withStock && q.locationId ? [q.locationId] : [];
  const conditions: SqlCondition[] = [
    { sql: "e.type IN ('wholesaler', 'both')", replacements: [] },
    // Valid through its expiry day; none on record means none is known (domain/licensing.ts).
    { sql: 'e.license_expires_on IS NULL OR e.license_expires_on >= ?', replacements: [q.today] },
  ];
  if (q.wholesalerId) conditions.push({ sql: 'v.entity_id = ?', replacements: [q.wholesalerId] });
  if (q.category) conditions.push({ sql: 'p.category = ?', replacements: [q.category] });
  if (q.variantId) conditions.push({ sql: 'v.id = ?', replacements: [q.variantId] });
  if (q.nothing) conditions.push(NO_ROWS);
  if (q.fulltext || q.skuPrefix) {
    const parts: SqlCondition[] = [];
    // The products FULLTEXT index covers (name, brand, category, description); MATCH must name them all.
    if (q.fulltext) parts.push({ sql: 'v.product_id IN (SELECT id FROM products WHERE MATCH(name, brand, category, description) AGAINST(? IN BOOLEAN MODE))', replacements: [q.fulltext] });
    if (q.skuPrefix) parts.push({ sql: 'v.sku LIKE ?', replacements: [q.skuPrefix] });
    conditions.push({ sql: parts.map((c) => c.sql).join(' OR '), replacements: parts.flatMap((c) => c.replacements) });
  }
  // The catalogue is public record among signed-in parties: no tenant scope narrows it.
  const { where, replacements } = sqlWithinScope(undefined, ...conditions);
  const ownRows = `FROM ${OWN_STOCK} WHERE i.variant_id = v.id AND i.entity_id = v.entity_id${at}`;
  const stockColumns = withStock
    ? `, (SELECT COALESCE(SUM(${AVAILABLE}), 0) ${ownRows}) AS quantity_available, (SELECT COUNT(*) ${ownRows}) AS stocked_at`
    : '';
  return {
    sql: `SELECT v.id AS variant_id, v.product_id, v.sku, v.name, v.price_minor, v.currency, v.unit_of_measure,
                 p.name AS product_name, p.brand, p.category, e.id AS wholesaler_id, e.name AS wholesaler_name${stockColumns}
            FROM product_variants v
            JOIN products p ON p.id = v.product_id AND p.entity_id = v.entity_id
            JOIN entities e ON e.id = v.entity_id
          ${where}`,
    replacements: [...atValues, ...atValues, ...replacements],
  };
}

function outerWhere(q: CatalogQuery): string {
  const parts: string[] = [];
  if (q.locationId) parts.push('c.stocked_at > 0'); // a premises filter lists what is kept there
  if (q.inStock) parts.push('c.quantity_available > 0');
  return parts.length ? `WHERE ${parts.join(' AND ')}` : '';
}

export async function catalogPage(sequelize: Sequelize, q: CatalogQuery): Promise<{ rows: CatalogRow[]; total: number }> {
  const inner = candidates(q);
  const outer = outerWhere(q);
  const counted = outer ? inner : candidates(q, false);
  const [rows, total] = await Promise.all([
    sequelize.query<CatalogRow>(`SELECT c.* FROM (${inner.sql}) c ${outer} ORDER BY ${orderBy(q.sort)} LIMIT ? OFFSET ?`, {
      replacements: [...inner.replacements, q.limit, q.offset],
      type: QueryTypes.SELECT,
    }),
    sequelize.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM (${counted.sql}) c ${outer}`, {
      replacements: counted.replacements,
      type: QueryTypes.SELECT,
    }),
  ]);
  return { rows, total: Number(total[0]?.n ?? 0) };
}

/** Availability per premises of the given variants (each the seller's own row at its own premises). */
export async function catalogStock(
  sequelize: Sequelize,
  variantIds: readonly string[],
  opts: { locationId?: string; inStock: boolean },
): Promise<CatalogStockRow[]> {
  if (variantIds.length === 0) return [];
  const conditions: SqlCondition[] = [{ sql: 'i.variant_id IN (?)', replacements: [variantIds] }];
  if (opts.locationId) conditions.push({ sql: 'i.location_id = ?', replacements: [opts.locationId] });
  if (opts.inStock) conditions.push({ sql: `${AVAILABLE} > 0`, replacements: [] });
  const { where, replacements } = sqlWithinScope(undefined, ...conditions);
  return sequelize.query<CatalogStockRow>(
    `SELECT i.variant_id, l.id AS location_id, l.name AS location_name, l.city, l.state, ${AVAILABLE} AS quantity_available
       FROM ${OWN_STOCK} JOIN product_variants v ON v.id = i.variant_id AND v.entity_id = i.entity_id
     ${where}
      ORDER BY l.name, l.id`,
    { replacements, type: QueryTypes.SELECT },
  );
}

/** The inventory list's search condition: stock of products whose name, brand, category or description match. */
export const INVENTORY_PRODUCT_SEARCH =
  'product_id IN (SELECT id FROM products WHERE MATCH(name, brand, category, description) AGAINST(? IN BOOLEAN MODE))';
