/**
 * Builds the demo data set in memory: pure and deterministic given the seed and the day it is
 * loaded (timestamps count back from the start of that UTC day, so a fresh `npm start` shows a
 * lived-in last month rather than a year-old one), so the same rows, ids and order numbers come
 * out on every machine on the same day. db/seed/load.ts
 * writes it; tests check its shape without a database.
 *
 * The METRC sandbox's demo facilities appear as real entities and locations with the sandbox's
 * license numbers, and their wholesalers stock the sandbox's packages (labels included), so
 * transfer templates built from this data validate against the sandbox.
 */
import {
  DEMO_FACILITIES,
  DEMO_ITEMS,
  demoPackagesFor,
  type DemoFacility,
} from '../../sandboxes/metrc/demo-data.js';
import { formatOrderNumber } from '../../domain/orderNumber.js';
import type { Row } from '../models.js';
import {
  AROMAS,
  BRANDS,
  FLAVORS,
  METRC_CATEGORY,
  PRODUCT_SHAPES,
  RETAILER_NAMES,
  STRAIN_TYPES,
  STRAINS,
  TOWNS,
  WHOLESALER_NAMES,
  type Town,
} from './catalog.js';
import { createRng } from './random.js';

export const DEMO_SEED = 20260105;
/** The earliest anchor (the sandbox's own base time); later days anchor at their own start. */
export const DEMO_ANCHOR = Date.parse('2026-01-05T15:00:00Z');

export interface DemoOptions {
  seed?: number;
  /**
   * The day the demo is loaded (default: now): licences run from it, since expired ones cannot
   * trade, and every timestamp is at or before the start of its UTC day (`demoAnchor`).
   */
  today?: number;
  productsPerWholesaler?: number;
  orders?: number;
}

export interface DemoData {
  entities: Row[];
  locations: Row[];
  products: Row[];
  variants: Row[];
  inventory: Row[];
  orders: Row[];
  orderItems: Row[];
}

const DAY = 86_400_000;
const OPEN_RESERVING = new Set(['accepted', 'fulfilled']);
/** The smallest line a lot may still take for an open order (the smallest lot holds 10). */
const MIN_LOT_LINE = 2;
const SHIPPED = new Set(['shipped', 'delivered', 'completed']);
/** Old orders have settled; recent ones may still be anywhere in their lifecycle. */
const SETTLED_STATUSES = ['completed', 'completed', 'completed', 'completed', 'cancelled', 'rejected', 'expired'] as const;
// Recent orders are settled history or still open: npm start hands every open one to a real order
// workflow (scripts/adopt-orders.ts), the mid-flight ones resumed where they stand.
const RECENT_STATUSES = ['submitted', 'submitted', 'submitted', 'completed', 'completed', 'cancelled', 'rejected', 'expired'] as const;
/**
 * Orders between the sandbox's own facilities in the last ten days may be anywhere in their
 * lifecycle: their lines are the wholesaler's METRC-labelled lots (fulfilment names a package per
 * line, and the resumed METRC transfer needs packages the sandbox holds for that licence).
 */
const MIDFLIGHT_DAYS = 10;
const MIDFLIGHT_STATUSES = ['submitted', 'accepted', 'accepted', 'fulfilled', 'fulfilled', 'shipped', 'shipped', 'delivered', 'completed', 'cancelled', 'rejected'] as const;
/** Labels on lines from fulfilment on, as fulfilment writes them. */
const LABELLED = new Set(['fulfilled', 'shipped', 'delivered', 'completed']);
/** METRC matched a manifest before these shipped (the sandbox's manifest numbers look like this). */
const MATCHED = new Set(['shipped', 'delivered', 'completed']);
const STATUS_STEPS: Record<string, number> = {
  submitted: 1, accepted: 2, rejected: 2, expired: 2, cancelled: 3, fulfilled: 3, shipped: 4, delivered: 5, completed: 6,
};

const at = (ms: number) => new Date(ms);
/** Share of orders placed in the last four weeks, so the dashboard's charts look like a real month. */
const RECENT_SHARE = 0.45;

/** The instant every demo timestamp is at or before: the start of the loading day (UTC). */
export const demoAnchor = (today: number = Date.now()) => Math.max(DEMO_ANCHOR, Math.floor(today / DAY) * DAY);
const dateOnly = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function buildDemoData(options: DemoOptions = {}): DemoData {
  const rng = createRng(options.seed ?? DEMO_SEED);
  const perWholesaler = options.productsPerWholesaler ?? 250;
  const orderCount = options.orders ?? 400;
  // Licence expiry is enforced at submission and acceptance: a demo loaded long after the anchor
  // must still trade, so licences count from the day it is loaded (same draws, same data otherwise).
  const licensedFrom = demoAnchor(options.today);
  const anchor = licensedFrom;

  const data: DemoData = { entities: [], locations: [], products: [], variants: [], inventory: [], orders: [], orderItems: [] };
  const licenses = new Set<string>(DEMO_FACILITIES.map((f) => f.licenseNumber));
  const license = (prefix: string) => {
    for (;;) {
      const l = `${prefix}-${String(rng.int(10000, 99999))}`;
      if (!licenses.has(l)) return licenses.add(l), l;
    }
  };
  const stamp = (maxDaysAgo: number, minDaysAgo = 0) => {
    const created = anchor - rng.int(minDaysAgo * DAY, maxDaysAgo * DAY);
    return { created_at: at(created), updated_at: at(Math.min(anchor, created + rng.int(0, 20 * DAY))) };
  };
  const address = (town: Town) => ({
    address_line1: `${rng.int(100, 9999)} ${rng.pick(town.streets)}`,
    address_line2: rng.chance(0.2) ? `Unit ${rng.int(1, 40)}` : null,
    city: town.city,
    state: 'CO',
    postal_code: town.zip,
    timezone: 'America/Denver',
  });

  // ---- entities and locations -------------------------------------------------------------
  interface Party {
    entity: Row;
    locations: Row[];
    facility?: DemoFacility;
  }
  const wholesalers: Party[] = [];
  const retailers: Party[] = [];

  function addEntity(type: string, name: string, licenseNumber: string, licenseType: string, facility?: DemoFacility): Party {
    const entity: Row = {
      id: rng.uuid(),
      type,
      name,
      license_number: licenseNumber,
      license_state: 'CO',
      license_type: licenseType,
      license_expires_on: dateOnly(licensedFrom + rng.int(60, 540) * DAY),
      ...stamp(900, 400),
    };
    data.entities.push(entity);
    return { entity, locations: [], ...(facility ? { facility } : {}) };
  }
  function addLocation(party: Party, name: string, licenseNumber: string, town: Town) {
    const loc: Row = { id: rng.uuid(), entity_id: party.entity.id, name, license_number: licenseNumber, ...address(town), ...stamp(400, 300) };
    data.locations.push(loc);
    party.locations.push(loc);
    return loc;
  }

  for (const f of DEMO_FACILITIES) {
    const party = addEntity(f.role, f.name, f.licenseNumber, f.licenseType, f);
    const town = rng.pick(TOWNS);
    // The licensed premises METRC knows: same license number as the facility.
    addLocation(party, f.role === 'wholesaler' ? `${town.city} Facility` : `${f.name} ${town.city}`, f.licenseNumber, town);
    (f.role === 'wholesaler' ? wholesalers : retailers).push(party);
  }
  WHOLESALER_NAMES.forEach((name, i) => {
    const manufacturer = i % 3 === 2;
    const both = i >= WHOLESALER_NAMES.length - 2; // vertically integrated: they also run stores
    const party = addEntity(
      both ? 'both' : 'wholesaler',
      name,
      license(manufacturer ? '404R' : '403R'),
      manufacturer ? 'Retail Marijuana Products Manufacturer' : 'Retail Marijuana Cultivation Facility',
    );
    const town = rng.pick(TOWNS);
    addLocation(party, `${town.city} Cultivation`, party.entity.license_number as string, town);
    const second = rng.pick(TOWNS);
    addLocation(party, `${second.city} Distribution Center`, license('403R'), second);
    wholesalers.push(party);
    if (both) {
      const shop = rng.pick(TOWNS);
      // Stores come last: ship-to picks a retailer's last location, ship-from a wholesaler's first.
      addLocation(party, `${name} ${shop.city} Store`, license('402R'), shop);
      retailers.push(party);
    }
  });
  for (const name of RETAILER_NAMES) {
    const party = addEntity('retailer', name, license('402R'), 'Retail Marijuana Store');
    const town = rng.pick(TOWNS);
    addLocation(party, `${name} ${town.city}`, party.entity.license_number as string, town);
    if (rng.chance(0.3)) {
      const other = rng.pick(TOWNS);
      addLocation(party, `${name} ${other.city}`, license('402R'), other);
    }
    retailers.push(party);
  }

  // ---- catalog and stock ------------------------------------------------------------------
  interface Stock {
    inventory: Row;
    variant: Row;
  }
  const stockByWholesaler = new Map<unknown, Stock[]>();
  const wholesaleLocations = (p: Party) => (p.entity.type === 'both' ? p.locations.slice(0, 2) : p.locations);

  wholesalers.forEach((party, wi) => {
    const entityId = party.entity.id;
    const prefix = `W${String(wi + 1).padStart(2, '0')}`;
    const house = rng.pick(BRANDS);
    const names = new Set<string>();
    const stocks: Stock[] = [];
    stockByWholesaler.set(entityId, stocks);
    let seq = 0;

    const addProduct = (name: string, category: string, brand: string, strain: string | null, description: string) => {
      names.add(name);
      seq += 1;
      const product: Row = { id: rng.uuid(), entity_id: entityId, name, category, brand, strain, description, ...stamp(360, 30) };
      data.products.push(product);
      return product;
    };
    const addVariant = (product: Row, name: string, suffix: string, unit: string, price: number) => {
      const variant: Row = {
        id: rng.uuid(),
        product_id: product.id,
        entity_id: entityId,
        sku: `${prefix}-${String(seq).padStart(4, '0')}-${suffix}`,
        name,
        price_minor: price,
        currency: 'USD',
        unit_of_measure: unit,
        created_at: product.created_at,
        updated_at: product.updated_at,
      };
      data.variants.push(variant);
      return variant;
    };
    const addStock = (variant: Row, location: Row, onHand: number, label: string | null) => {
      const inventory: Row = {
        id: rng.uuid(),
        variant_id: variant.id,
        product_id: variant.product_id,
        location_id: location.id,
        entity_id: entityId,
        quantity_on_hand: onHand,
        quantity_reserved: 0,
        metrc_package_label: label,
        ...stamp(30),
      };
      data.inventory.push(inventory);
      stocks.push({ inventory, variant });
    };

    // The sandbox's items for this facility, one variant per sandbox package (a production lot),
    // stocked at the licensed premises under the package's own label and quantity.
    if (party.facility) {
      const packages = demoPackagesFor(party.facility.licenseNumber);
      const items = DEMO_ITEMS.filter((i) => i.licenseNumber === party.facility!.licenseNumber);
      for (const item of items) {
        const lots = packages.filter((p) => p.itemId === item.id);
        const product = addProduct(
          item.name,
          METRC_CATEGORY[item.category] ?? 'Flower',
          house,
          item.strain,
          `${item.strain ? `${item.strain}. ` : ''}Tracked in METRC as "${item.name}" (${item.category}).`,
        );
        const perGram = item.unitOfMeasure === 'Grams';
        const price = perGram ? rng.int(8, 16) * 25 : rng.int(24, 120) * 50;
        lots.forEach((pkg, lot) => {
          const variant = addVariant(product, `Lot ${String.fromCharCode(65 + lot)} (${pkg.packagedDate})`, `L${lot + 1}`, item.unitOfMeasure, price);
          addStock(variant, party.locations[0]!, Math.floor(pkg.quantity), pkg.label);
        });
      }
    }

    while (seq < perWholesaler) {
      const shape = rng.pick(PRODUCT_SHAPES);
      const strain = rng.pick(STRAINS);
      const flavor = rng.pick(FLAVORS);
      const brand = rng.chance(0.5) ? house : rng.pick(BRANDS);
      const base = shape.name.replace('{strain}', strain).replace('{flavor}', flavor);
      const name = `${brand} ${base}`;
      if (names.has(name)) continue;
      const description = shape.description
        .replaceAll('{strain}', strain)
        .replaceAll('{flavor}', flavor.toLowerCase())
        .replaceAll('{type}', rng.pick(STRAIN_TYPES))
        .replaceAll('{aroma}', rng.pick(AROMAS));
      const ofStrain = shape.name.includes('{strain}') || shape.description.includes('{strain}');
      const product = addProduct(name, shape.category, brand, ofStrain ? strain : null, description.charAt(0).toUpperCase() + description.slice(1));
      for (const v of shape.variants) {
        const variant = addVariant(product, v.name, v.suffix, v.unit, rng.int(v.price[0] / 25, v.price[1] / 25) * 25);
        wholesaleLocations(party).forEach((loc, li) => {
          if (!rng.chance(li === 0 ? 0.85 : 0.35)) return;
          addStock(variant, loc, v.unit === 'Grams' ? rng.int(0, 40) * 454 : rng.int(0, 600), null);
        });
      }
    }
  });

  // ---- historical orders ------------------------------------------------------------------
  const orderNumbers = new Set<string>();
  // A third of the orders run between sandbox facilities, so METRC flows have history to use.
  const sandboxWholesalers = wholesalers.filter((w) => w.facility);
  const sandboxRetailers = retailers.filter((r) => r.facility);
  const drafts: Array<{ created: number; row: Row; lines: Row[] }> = [];

  // What is left of each METRC lot once the open orders drawn so far hold their lines: every open
  // order's lines fit its lots together (in our stock and in the sandbox's package), so each one
  // can be accepted and fulfilled in any order — the sandbox refuses a transfer that ships more
  // than the package holds, and accepting reserves.
  const lotLeft = new Map<Stock, number>();
  const left = (s: Stock) => lotLeft.get(s) ?? Number(s.inventory.quantity_on_hand) - Number(s.inventory.quantity_reserved);
  const parties = (sandbox: boolean) => {
    const seller = rng.pick(sandbox ? sandboxWholesalers : wholesalers);
    let buyer = rng.pick(sandbox ? sandboxRetailers : retailers);
    while (buyer.entity.id === seller.entity.id) buyer = rng.pick(retailers);
    const from = sandbox ? seller.locations[0]! : rng.pick(wholesaleLocations(seller));
    return { seller, buyer, from };
  };

  for (let n = 0; n < orderCount; n++) {
    let sandbox = n % 3 === 0;
    let { seller, buyer, from } = parties(sandbox);
    const daysAgo = rng.chance(RECENT_SHARE) ? rng.int(0, 27) : rng.int(28, 240);
    const midflight = sandbox && daysAgo < MIDFLIGHT_DAYS;
    const status = rng.pick(midflight ? MIDFLIGHT_STATUSES : daysAgo > 21 ? SETTLED_STATUSES : RECENT_STATUSES);
    // A submitted order waits for someone to accept and fulfil it, and fulfilment names a METRC
    // package per line that the METRC transfer then ships: only the sandbox's facilities hold
    // such packages, so a submitted order is always between them (drawn again if it was not).
    if (status === 'submitted' && !sandbox) {
      sandbox = true;
      ({ seller, buyer, from } = parties(true));
    }
    const to = buyer.locations[buyer.locations.length - 1]!;
    const shelf = stockByWholesaler.get(seller.entity.id)!.filter((s) => s.inventory.location_id === from.id);
    /** Open orders (and recent history) between sandbox facilities ship the wholesaler's METRC lots. */
    const lotted = midflight || (sandbox && status === 'submitted');
    /** Orders still to ship hold their quantity of the lot until then. */
    const holding = lotted && (status === 'submitted' || OPEN_RESERVING.has(status));
    const stock = lotted ? shelf.filter((s) => s.inventory.metrc_package_label && (!holding || left(s) >= MIN_LOT_LINE)) : shelf;
    const created = anchor - daysAgo * DAY - rng.int(1, DAY - 1);
    const updated = Math.min(anchor, created + (STATUS_STEPS[status]! - 1) * rng.int(2, 36) * 3_600_000);
    const id = rng.uuid();

    const chosen = new Set<Stock>();
    const want = Math.min(stock.length, rng.int(1, 6));
    while (chosen.size < want) chosen.add(rng.pick(stock));
    const lines = [...chosen].map((s) => {
      const grams = s.variant.unit_of_measure === 'Grams';
      // A METRC lot holds less than a warehouse shelf: keep a lot's lines small enough for it.
      const drawn = lotted ? (grams ? rng.int(1, 8) * 28 : rng.int(1, 3) * 2) : grams ? rng.int(1, 5) * 454 : rng.int(1, 8) * 6;
      const quantity = holding ? Math.min(drawn, left(s)) : drawn;
      if (holding) lotLeft.set(s, left(s) - quantity);
      const unit = Number(s.variant.price_minor);
      if (OPEN_RESERVING.has(status)) {
        const inv = s.inventory;
        inv.quantity_reserved = Number(inv.quantity_reserved) + quantity;
        // Reserved stock must exist: top up the shelf rather than break the invariant.
        if (Number(inv.quantity_on_hand) < Number(inv.quantity_reserved)) inv.quantity_on_hand = inv.quantity_reserved;
      }
      return {
        id: rng.uuid(),
        order_id: id,
        product_id: s.variant.product_id,
        variant_id: s.variant.id,
        quantity,
        unit_price_minor: unit,
        line_total_minor: unit * quantity,
        metrc_package_label: SHIPPED.has(status) || LABELLED.has(status) ? (s.inventory.metrc_package_label ?? null) : null,
        created_at: at(created),
        updated_at: at(created),
      } as Row;
    });
    const subtotal = lines.reduce((sum, l) => sum + Number(l.line_total_minor), 0);
    let orderNumber: string;
    do orderNumber = formatOrderNumber(at(created), rng.bytes(6));
    while (orderNumbers.has(orderNumber));
    orderNumbers.add(orderNumber);
    drafts.push({
      created,
      lines,
      row: {
        id,
        order_number: orderNumber,
        retailer_id: buyer.entity.id,
        wholesaler_id: seller.entity.id,
        ship_from_location_id: from.id,
        ship_to_location_id: to.id,
        status,
        currency: 'USD',
        subtotal_minor: subtotal,
        total_minor: subtotal,
        item_count: lines.length,
        requested_delivery_date: dateOnly(created + rng.int(2, 10) * DAY),
        notes: rng.chance(0.25) ? rng.pick(['Deliver before noon, dock B.', 'Call ahead; loading zone on the alley side.', 'Split invoice by brand please.', 'Replacement for damaged cases.']) : null,
        version: STATUS_STEPS[status]!,
        ...(midflight && MATCHED.has(status) ? { metrc_state: 'matched', metrc_manifest_number: String(rng.int(1_000_000, 9_999_999)).padStart(10, '0') } : {}),
        // Historical rows predate the order workflows: no workflow owns them.
        workflow_id: null,
        created_at: at(created),
        updated_at: at(updated),
      },
    });
  }
  drafts.sort((a, b) => a.created - b.created);
  for (const d of drafts) {
    data.orders.push(d.row);
    data.orderItems.push(...d.lines);
  }
  return data;
}

export const demoCounts = (d: DemoData) =>
  Object.fromEntries(Object.entries(d).map(([k, rows]) => [k, (rows as Row[]).length])) as Record<keyof DemoData, number>;

