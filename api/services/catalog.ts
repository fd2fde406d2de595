/**
 * The retailer-facing catalogue (issue 14.12): what can be ordered, from which wholesaler, shipped
 * from which of its premises, in what quantity. Readable by every signed-in party and by keys that
 * read catalogs or place orders; the SQL is db/repositories/catalog.ts.
 *
 * Pages are cached whole (services/cache.ts) and tagged with the versions of everything they are
 * built from, so a reservation, release or shipment (activities bump `inventory`), a POS sync and
 * any CRUD write make them stale at once. Every caller sees the same catalogue, so the key holds no
 * actor; it holds the day, since a licence expiring at midnight removes its seller.
 */
import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import { notFound } from '../../domain/errors.js';
import { todayUtc } from '../../domain/licensing.js';
import { catalogPage, catalogStock, type CatalogQuery, type CatalogRow, type CatalogSort, type CatalogStockRow } from '../../db/repositories/catalog.js';
import { getOrComputeAcross, stableKey } from './cache.js';
import type { ListParams } from './crud.js';
import { booleanQuery, likePrefix } from './search.js';

/** Every resource a catalogue page is read from; a write to any of them bumps its version. */
export const CATALOG_SOURCES = ['inventory', 'products', 'product_variants', 'entities', 'locations'] as const;

export interface CatalogDeps {
  sequelize: Sequelize;
  redis: Redis;
}

const isTrue = (v: unknown) => v === true || v === 'true';
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

function toApi(row: CatalogRow, stock: CatalogStockRow[]) {
  return {
    variant_id: row.variant_id,
    product_id: row.product_id,
    sku: row.sku,
    name: row.name,
    product_name: row.product_name,
    brand: row.brand ?? null,
    category: row.category,
    price_minor: Number(row.price_minor),
    currency: row.currency,
    unit_of_measure: row.unit_of_measure,
    wholesaler_id: row.wholesaler_id,
    wholesaler_name: row.wholesaler_name,
    quantity_available: Number(row.quantity_available),
    locations: stock.map((s) => ({
      location_id: s.location_id,
      name: s.location_name,
      city: s.city,
      state: s.state,
      quantity_available: Number(s.quantity_available),
    })),
  };
}

export type CatalogItem = ReturnType<typeof toApi>;

export function createCatalogService(deps: CatalogDeps) {
  function queryOf(params: ListParams, now: Date): CatalogQuery {
    const q = str(params.q)?.trim();
    return {
      today: todayUtc(now),
      // Words of three letters or more search the product text; the whole term is also a SKU prefix.
      ...(q ? { skuPrefix: likePrefix(q) } : {}),
      ...(q === '' ? { nothing: true } : {}),
      ...(q && booleanQuery(q) ? { fulltext: booleanQuery(q) } : {}),
      ...(str(params.wholesaler_id) ? { wholesalerId: str(params.wholesaler_id) } : {}),
      ...(str(params.category) ? { category: str(params.category) } : {}),
      ...(str(params.location_id) ? { locationId: str(params.location_id) } : {}),
      inStock: isTrue(params.in_stock),
      sort: (str(params.sort) ?? 'name') as CatalogSort,
      limit: params.limit,
      offset: (params.page - 1) * params.limit,
    };
  }

  async function compute(query: CatalogQuery) {
    const { rows, total } = await catalogPage(deps.sequelize, query);
    const stock = await catalogStock(
      deps.sequelize,
      rows.map((r) => r.variant_id),
      { inStock: query.inStock, ...(query.locationId ? { locationId: query.locationId } : {}) },
    );
    const byVariant = new Map<string, CatalogStockRow[]>();
    for (const s of stock) byVariant.set(s.variant_id, [...(byVariant.get(s.variant_id) ?? []), s]);
    return { items: rows.map((r) => toApi(r, byVariant.get(r.variant_id) ?? [])), total };
  }

  const cached = (query: CatalogQuery, build: () => Promise<string>) =>
    getOrComputeAcross(deps.redis, 'catalog', CATALOG_SOURCES, stableKey({ db: deps.sequelize.getDatabaseName(), query }), build);

  return {
    /** A page as JSON text (possibly straight from the cache). */
    async listJson(params: ListParams, now = new Date()): Promise<string> {
      const query = queryOf(params, now);
      return cached(query, async () => {
        const { items, total } = await compute(query);
        return JSON.stringify({
          data: items,
          pagination: { page: params.page, limit: params.limit, total, total_pages: Math.ceil(total / params.limit) },
        });
      });
    },

    /** One variant's entry with every premises that keeps it; 404 when it is not on offer. */
    async getJson(variantId: string, now = new Date()): Promise<string> {
      const query: CatalogQuery = { today: todayUtc(now), variantId, inStock: false, sort: 'name', limit: 1, offset: 0 };
      const body = await cached(query, async () => {
        const { items } = await compute(query);
        return items[0] ? JSON.stringify(items[0]) : '';
      });
      if (!body) throw notFound('Catalogue entry', variantId);
      return body;
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
