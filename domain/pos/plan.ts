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
/**
 * A stock row this batch creates: the variant's stock at the connection's location, holding the
 * sum of the packages this batch gives it (nothing else can point at a row that did not exist).
 */
export interface InventoryWrite {
  id: string;
  variant_id: string;
  product_id: string;
  quantity_on_hand: number;
  pos_quantity: number;
  /** The largest package's label; null = none sent (keep whatever label we hold). */
  metrc_package_label: string | null;
  /** The vendor item when the row has exactly one package, else null. */
  vendor_item_id: string | null;
}

/**
 * One vendor inventory record = one package (Dutchie: a package/batch of a product at the location;
 * BLAZE: a product). Several may share a SKU; their stock row holds the sum of their quantities.
 */
export interface HeldPackage {
  vendor_item_id: string;
  id: string;
  inventory_id: string;
  /** The stock row's variant, for realtime events when a package leaves it. */
  variant_id: string;
  pos_quantity: number | string;
  metrc_package_label: string | null;
  pos_seen_run: string | null;
}

export interface PackageWrite {
  id: string;
  inventory_id: string;
  vendor_item_id: string;
  /** null = keep the label the package holds. */
  metrc_package_label: string | null;
  pos_quantity: number;
}

export interface ItemProblem {
  ordinal: number;
  vendorItemId?: string;
  reason: string;
}

export interface BatchPlan {
  products: ProductWrite[];
  variants: VariantWrite[];
  /** Stock rows created by this batch, with their totals. */
  inventory: InventoryWrite[];
  packages: PackageWrite[];
  /**
   * Existing stock rows whose packages this batch changed: their totals are summed again from the
   * packages in the database, so packages of one SKU in different batches or pages add up.
   */
  recount: string[];
  /** Unchanged packages that only need this run's "seen" mark… */
  seenPackages: string[];
  /** …and their stock rows (which also tells later batches this SKU was applied this run). */
  seenStock: string[];
  /** Counted per vendor item (package). */
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

/** A stock row this batch creates, with running totals over its packages. */
interface NewStock {
  write: InventoryWrite;
  packages: number;
  /** Quantity of the package whose label the row carries. */
  top: number | undefined;
  vendorItemId: string;
}

/** Where one SKU's packages go in this batch. */
interface Target {
  variantId: string;
  productId: string;
  inventoryId: string;
  created?: NewStock;
  /** The SKU's product or variant changed; counted on the item that brought the change. */
  attributesChanged: boolean;
}

/**
 * Plans one batch. Items are packages: several may share a SKU (one variant, one stock row per
 * location) and each keeps its own quantity and METRC label; the stock row holds their sum. The
 * first package of a SKU in a run decides the product's and variant's name and price, so packages
 * that differ there do not flip them back and forth within or between runs.
 */
export function planBatch(
  items: readonly SyncItem[],
  held: ReadonlyMap<string, HeldRow>,
  packages: ReadonlyMap<string, HeldPackage>,
  ctx: PlanContext,
): BatchPlan {
  const plan: BatchPlan = {
    products: [],
    variants: [],
    inventory: [],
    packages: [],
    recount: [],
    seenPackages: [],
    seenStock: [],
    counts: { created: 0, updated: 0, unchanged: 0 },
    replayed: 0,
    changedVariantIds: [],
    problems: [],
  };
  const targets = new Map<string, Target>();
  const inBatch = new Map<string, number>();
  const recount = new Set<string>();
  const seenStock = new Set<string>();
  const changed = new Set<string>();

  for (const item of items) {
    if (item.sku.length > SKU_MAX) {
      plan.problems.push({ ordinal: item.ordinal, vendorItemId: item.vendorItemId, reason: `sku longer than ${SKU_MAX} characters` });
      continue;
    }
    const twice = inBatch.get(item.vendorItemId);
    if (twice !== undefined) {
      plan.problems.push({ ordinal: item.ordinal, vendorItemId: item.vendorItemId, reason: `vendor item ${item.vendorItemId} listed twice (also at #${twice})` });
      continue;
    }
    inBatch.set(item.vendorItemId, item.ordinal);
    const pkg = packages.get(item.vendorItemId);
    if (pkg?.pos_seen_run === ctx.runId) {
      plan.replayed++;
      continue;
    }
    const first = !targets.has(item.sku);
    const target = targets.get(item.sku) ?? resolve(item, held.get(item.sku), ctx, plan);
    targets.set(item.sku, target);
    const attributes = first && target.attributesChanged;

    const quantity = storedQuantity(item.quantity);
    const label = item.packageLabel ?? pkg?.metrc_package_label ?? null;
    const moved = pkg !== undefined && pkg.inventory_id !== target.inventoryId;
    const quantityChanged = pkg === undefined || moved || Number(pkg.pos_quantity) !== quantity;
    const write = pkg === undefined || quantityChanged || label !== pkg.metrc_package_label;

    if (moved) {
      // The vendor moved this package to another SKU: the stock row it leaves is summed again.
      recount.add(pkg.inventory_id);
      changed.add(pkg.variant_id);
    }
    if (write) {
      plan.packages.push({ id: pkg?.id ?? ctx.newId(), inventory_id: target.inventoryId, vendor_item_id: item.vendorItemId, metrc_package_label: item.packageLabel ?? null, pos_quantity: quantity });
      if (target.created) addToNew(target.created, quantity, item);
      else recount.add(target.inventoryId);
      if (quantityChanged) changed.add(target.variantId);
    } else {
      plan.seenPackages.push(pkg.id);
      seenStock.add(target.inventoryId);
    }
    if (pkg === undefined) plan.counts.created++;
    else if (write || attributes) plan.counts.updated++;
    else plan.counts.unchanged++;
  }

  for (const t of targets.values()) {
    if (!t.created) continue;
    const c = t.created;
    c.write.pos_quantity = storedQuantity(c.write.pos_quantity);
    c.write.quantity_on_hand = wholeUnits(c.write.pos_quantity);
    c.write.vendor_item_id = c.packages === 1 ? c.vendorItemId : null;
    plan.inventory.push(c.write);
  }
  plan.recount = [...recount];
  // A row summed again takes its seen mark there (created rows have no unchanged packages).
  plan.seenStock = [...seenStock].filter((id) => !recount.has(id));
  plan.changedVariantIds = [...changed];
  return plan;
}

/** Adds a package to a stock row this batch creates; the label is the largest package's (first wins a tie). */
function addToNew(c: NewStock, quantity: number, item: SyncItem): void {
  c.write.pos_quantity += quantity;
  c.packages++;
  if (c.packages === 1) c.vendorItemId = item.vendorItemId;
  if (item.packageLabel && (c.top === undefined || quantity > c.top)) {
    c.top = quantity;
    c.write.metrc_package_label = item.packageLabel;
  }
}

/** The SKU's product, variant and stock row: found, or planned for creation. */
function resolve(item: SyncItem, row: HeldRow | undefined, ctx: PlanContext, plan: BatchPlan): Target {
  const name = clip(item.name, 200);
  const category = clip(item.category ?? UNCATEGORIZED, 100);
  const unit = unitName(item.unitOfMeasure);
  const newStock = (variantId: string, productId: string): NewStock => ({
    write: { id: ctx.newId(), variant_id: variantId, product_id: productId, quantity_on_hand: 0, pos_quantity: 0, metrc_package_label: null, vendor_item_id: null },
    packages: 0,
    top: undefined,
    vendorItemId: item.vendorItemId,
  });

  if (!row) {
    const productId = ctx.orphanProducts?.get(item.sku) ?? ctx.newId();
    const variantId = ctx.newId();
    plan.products.push({ id: productId, sku: item.sku, name, category, brand: item.brand ? clip(item.brand, 100) : null });
    plan.variants.push({ id: variantId, product_id: productId, sku: item.sku, name, price_minor: item.priceMinor, currency: item.currency, unit_of_measure: unit });
    const created = newStock(variantId, productId);
    return { variantId, productId, inventoryId: created.write.id, created, attributesChanged: true };
  }

  let attributesChanged = false;
  // A package of this SKU already applied in this run (an earlier batch) set the attributes.
  if (row.pos_seen_run !== ctx.runId) {
    // Only products a sync created follow the vendor's naming; hand-made ones are left alone.
    if (row.product_sync_key === item.sku) {
      const brand = item.brand ? clip(item.brand, 100) : row.brand;
      if (row.product_name !== name || row.category !== category || row.brand !== brand) {
        plan.products.push({ id: row.product_id, sku: item.sku, name, category, brand });
        attributesChanged = true;
      }
    }
    if (row.variant_name !== name || Number(row.price_minor) !== item.priceMinor || row.unit_of_measure !== unit || row.currency !== item.currency) {
      plan.variants.push({ id: row.variant_id, product_id: row.product_id, sku: item.sku, name, price_minor: item.priceMinor, currency: item.currency, unit_of_measure: unit });
      attributesChanged = true;
    }
  }
  if (row.inventory_id === null) {
    const created = newStock(row.variant_id, row.product_id);
    return { variantId: row.variant_id, productId: row.product_id, inventoryId: created.write.id, created, attributesChanged };
  }
  return { variantId: row.variant_id, productId: row.product_id, inventoryId: row.inventory_id, attributesChanged };
}
