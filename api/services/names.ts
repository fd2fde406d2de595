/**
 * Adds the names people read to rows the caller may already see: buyer and seller (with licence
 * numbers) on orders, product/brand/SKU/strain/unit on order lines and stock rows, the location
 * on stock rows. Names are derived, never part of a row's version: ETags are computed before.
 */
import type { Sequelize } from 'sequelize';
import type { Row } from '../../db/models.js';
import { licenceHolders, locationLabels, partyLabels, variantLabels, type LocationLabel, type PartyLabel, type VariantLabel } from '../../db/repositories/labels.js';

/** Names a caller already read (an order's intake reads them with its references): not read again. */
export interface KnownLabels {
  parties: Map<string, PartyLabel>;
  sites: Map<string, LocationLabel>;
  variants: Map<string, VariantLabel>;
}

/** The labels for `ids` from `known` when it holds every one of them, else from `read`. */
function labelsOf<L>(ids: unknown[], known: Map<string, L> | undefined, read: (ids: unknown[]) => Promise<Map<string, L>>): Promise<Map<string, L>> {
  if (known && ids.every((id) => typeof id !== 'string' || known.has(id))) return Promise.resolve(known);
  return read(ids);
}

const variantFields = (v: VariantLabel | undefined) => ({
  product_name: v?.product_name ?? null,
  variant_name: v?.variant_name ?? null,
  brand: v?.brand ?? null,
  sku: v?.sku ?? null,
  strain: v?.strain ?? null,
  unit_of_measure: v?.unit_of_measure ?? null,
});

export function createNameService(sequelize: Sequelize) {
  async function orders<T extends Row>(rows: T[], known?: KnownLabels): Promise<T[]> {
    if (!rows.length) return rows;
    const parties = await labelsOf(rows.flatMap((o) => [o.retailer_id, o.wholesaler_id]), known?.parties, (ids) => partyLabels(sequelize, ids));
    const lines = rows.flatMap((o) => (Array.isArray(o.items) ? (o.items as Row[]) : []));
    const [variants, sites] = await Promise.all([
      lines.length ? labelsOf(lines.map((l) => l.variant_id), known?.variants, (ids) => variantLabels(sequelize, ids)) : Promise.resolve(new Map<string, VariantLabel>()),
      labelsOf(rows.flatMap((o) => [o.ship_from_location_id, o.ship_to_location_id]), known?.sites, (ids) => locationLabels(sequelize, ids)),
    ]);
    return rows.map((o) => {
      const buyer = parties.get(String(o.retailer_id));
      const seller = parties.get(String(o.wholesaler_id));
      return {
        ...o,
        retailer_name: buyer?.name ?? null,
        retailer_license_number: buyer?.license_number ?? null,
        wholesaler_name: seller?.name ?? null,
        wholesaler_license_number: seller?.license_number ?? null,
        ship_from_name: sites.get(String(o.ship_from_location_id))?.name ?? null,
        ship_to_name: sites.get(String(o.ship_to_location_id))?.name ?? null,
        ...(Array.isArray(o.items) ? { items: (o.items as Row[]).map((l) => ({ ...l, ...variantFields(variants.get(String(l.variant_id))) })) } : {}),
      };
    });
  }

  async function inventory<T extends Row>(rows: T[]): Promise<T[]> {
    if (!rows.length) return rows;
    const [variants, sites] = await Promise.all([
      variantLabels(sequelize, rows.map((r) => r.variant_id)),
      locationLabels(sequelize, rows.map((r) => r.location_id)),
    ]);
    return rows.map((r) => {
      const site = sites.get(String(r.location_id));
      return { ...r, ...variantFields(variants.get(String(r.variant_id))), location_name: site?.name ?? null, location_license_number: site?.license_number ?? null };
    });
  }

  /** METRC submissions (staff-only rows) with the name of who holds their licence. */
  async function licences<T extends Row>(rows: T[]): Promise<T[]> {
    if (!rows.length) return rows;
    const holders = await licenceHolders(sequelize, rows.map((r) => r.license_number));
    return rows.map((r) => ({ ...r, license_name: holders.get(String(r.license_number)) ?? null }));
  }

  return { orders, inventory, licences };
}
export type NameService = ReturnType<typeof createNameService>;
