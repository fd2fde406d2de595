/**
 * Pure planning for one batch of a POS sync: compares what the vendor sent with what we hold and
 * decides which rows to write and how to count them. The activity does the I/O around it; keeping
 * the decisions here makes them testable without a database.
 */

export type PosUnit = 'each' | 'g' | 'mg' | 'kg' | 'oz' | 'lb' | 'ml' | 'l';

/** A normalised vendor item (the connector's PosItem) plus its position in the feed. */
export interface SyncItem {
  ordinal: number;
  vendorItemId: string;
  sku: string;
  name: string;
  category: string | null;
  brand: string | null;
  unitOfMeasure: PosUnit;
  priceMinor: number;
  currency: string;
  quantity: number;
  packageLabel?: string;
}

/** What we hold for one SKU of the entity: its variant, product and this location's stock row. */
export interface HeldRow {
  sku: string;
  variant_id: string;
  product_id: string;
  variant_name: string;
  price_minor: number | string;
  currency: string;
  unit_of_measure: string;
  product_sync_key: string | null;
  product_name: string;
  category: string;
  brand: string | null;
  inventory_id: string | null;
  pos_quantity: number | string | null;
  quantity_on_hand: number | null;
  metrc_package_label: string | null;
  vendor_item_id: string | null;
  pos_connection_id: string | null;
  pos_seen_run: string | null;
}

export interface ProductWrite {
  id: string;
  sku: string;
  name: string;
  category: string;
  brand: string | null;
}
export interface VariantWrite {
  id: string;
  product_id: string;
  sku: string;
  name: string;
  price_minor: number;
  currency: string;
  unit_of_measure: string;
}
export interface InventoryWrite {
  id: string;
  variant_id: string;
  product_id: string;
  quantity_on_hand: number;
  pos_quantity: number;
  /** null = keep whatever label we hold (vendors often send none). */
  metrc_package_label: string | null;
  vendor_item_id: string;
}

export interface ItemProblem {
  ordinal: number;
  vendorItemId?: string;
  reason: string;
}

export interface BatchPlan {
  products: ProductWrite[];
  variants: VariantWrite[];
  inventory: InventoryWrite[];
  /** Unchanged stock rows that only need this run's "seen" mark. */
  seenOnly: string[];
  counts: { created: number; updated: number; unchanged: number };
  /** Items already applied earlier in this same run (a retried page); neither written nor counted. */
  replayed: number;
  /** Variants whose stock at this location was created or changed: the realtime event's payload. */
  changedVariantIds: string[];
  problems: ItemProblem[];
}

export interface PlanContext {
  runId: string;
  connectionId: string;
  newId: () => string;
  /** Products created by an earlier sync whose variant is gone, by SKU: reused, not duplicated. */
  orphanProducts?: ReadonlyMap<string, string>;
}

const UNIT_NAMES: Record<PosUnit, string> = {
  each: 'Each',
  g: 'Grams',
  mg: 'Milligrams',
  kg: 'Kilograms',
  oz: 'Ounces',
  lb: 'Pounds',
  ml: 'Milliliters',
  l: 'Liters',
};

export const unitName = (u: PosUnit): string => UNIT_NAMES[u];
export const UNCATEGORIZED = 'Uncategorized';
const SKU_MAX = 64;

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);
/** DECIMAL(16,4) round-trip: what the database will hold for this quantity. */
export const storedQuantity = (q: number) => Math.round(q * 10_000) / 10_000;
/** Whole units on hand; the check constraint forbids negatives, and vendors do send them. */
export const wholeUnits = (q: number) => Math.max(0, Math.floor(q + 1e-9));

export function planBatch(items: readonly SyncItem[], held: ReadonlyMap<string, HeldRow>, ctx: PlanContext): BatchPlan {
  const plan: BatchPlan = {
    products: [],
    variants: [],
    inventory: [],
    seenOnly: [],
    counts: { created: 0, updated: 0, unchanged: 0 },
    replayed: 0,
    changedVariantIds: [],
    problems: [],
  };
  const inBatch = new Map<string, string>();
  for (const item of items) {
    if (item.sku.length > SKU_MAX) {
      plan.problems.push({ ordinal: item.ordinal, vendorItemId: item.vendorItemId, reason: `sku longer than ${SKU_MAX} characters` });
      continue;
    }
    const other = inBatch.get(item.sku);
    if (other !== undefined) {
      plan.problems.push({ ordinal: item.ordinal, vendorItemId: item.vendorItemId, reason: `duplicate sku ${item.sku} (also vendor item ${other})` });
      continue;
    }
    inBatch.set(item.sku, item.vendorItemId);
    const row = held.get(item.sku);
    if (row?.pos_seen_run === ctx.runId && row.vendor_item_id !== null && row.vendor_item_id !== item.vendorItemId) {
      plan.problems.push({ ordinal: item.ordinal, vendorItemId: item.vendorItemId, reason: `duplicate sku ${item.sku} (also vendor item ${row.vendor_item_id})` });
      continue;
    }
    planItem(item, row, ctx, plan);
  }
  return plan;
}

function planItem(item: SyncItem, row: HeldRow | undefined, ctx: PlanContext, plan: BatchPlan): void {
  const name = clip(item.name, 200);
  const category = clip(item.category ?? UNCATEGORIZED, 100);
  const unit = unitName(item.unitOfMeasure);
  const quantity = storedQuantity(item.quantity);

  if (!row) {
    const productId = ctx.orphanProducts?.get(item.sku) ?? ctx.newId();
    const variantId = ctx.newId();
    plan.products.push({ id: productId, sku: item.sku, name, category, brand: item.brand ? clip(item.brand, 100) : null });
    plan.variants.push({ id: variantId, product_id: productId, sku: item.sku, name, price_minor: item.priceMinor, currency: item.currency, unit_of_measure: unit });
    plan.inventory.push(stockRow(ctx.newId(), variantId, productId, item, quantity));
    plan.counts.created++;
    plan.changedVariantIds.push(variantId);
    return;
  }

  let changed = false;
  // Only products a sync created follow the vendor's naming; hand-made ones are left alone.
  if (row.product_sync_key === item.sku) {
    const brand = item.brand ? clip(item.brand, 100) : row.brand;
    if (row.product_name !== name || row.category !== category || row.brand !== brand) {
      plan.products.push({ id: row.product_id, sku: item.sku, name, category, brand });
      changed = true;
    }
  }
  if (row.variant_name !== name || Number(row.price_minor) !== item.priceMinor || row.unit_of_measure !== unit || row.currency !== item.currency) {
    plan.variants.push({ id: row.variant_id, product_id: row.product_id, sku: item.sku, name, price_minor: item.priceMinor, currency: item.currency, unit_of_measure: unit });
    changed = true;
  }

  if (row.inventory_id === null) {
    plan.inventory.push(stockRow(ctx.newId(), row.variant_id, row.product_id, item, quantity));
    plan.counts.created++;
    plan.changedVariantIds.push(row.variant_id);
    return;
  }
  const label = item.packageLabel ?? row.metrc_package_label;
  const quantityChanged = row.pos_quantity === null || Number(row.pos_quantity) !== quantity;
  const stockChanged =
    quantityChanged ||
    label !== row.metrc_package_label ||
    row.vendor_item_id !== item.vendorItemId ||
    row.pos_connection_id !== ctx.connectionId;
  if (stockChanged) {
    plan.inventory.push(stockRow(row.inventory_id, row.variant_id, row.product_id, item, quantity));
    if (quantityChanged) plan.changedVariantIds.push(row.variant_id);
    changed = true;
  }
  if (changed) plan.counts.updated++;
  else if (row.pos_seen_run === ctx.runId) plan.replayed++;
  else {
    plan.counts.unchanged++;
    plan.seenOnly.push(row.inventory_id);
  }
}

function stockRow(id: string, variantId: string, productId: string, item: SyncItem, quantity: number): InventoryWrite {
  return {
    id,
    variant_id: variantId,
    product_id: productId,
    quantity_on_hand: wholeUnits(quantity),
    pos_quantity: quantity,
    metrc_package_label: item.packageLabel ?? null,
    vendor_item_id: item.vendorItemId,
  };
}
