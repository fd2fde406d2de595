import { hash32, pick, unit } from './random.js';

export interface SyntheticItem {
  index: number;
  /**
   * The product this item is a package of. Items sharing it share SKU, name, category, brand,
   * unit and list price, like a POS that lists one inventory row per package (batch) of a product.
   */
  productIndex: number;
  sku: string;
  name: string;
  category: string;
  brand: string;
  /** 'g' or 'each' */
  unit: 'g' | 'each';
  priceCents: number;
  quantity: number;
  packageLabel: string;
  modifiedMs: number;
  removed: boolean;
}

interface Override {
  priceCents?: number;
  quantity?: number;
  modifiedMs: number;
  removed?: boolean;
}

export interface MutateRequest {
  changed?: number;
  removed?: number;
  added?: number;
}

export interface MutateResult {
  changed: number[];
  removed: number[];
  added: number[];
}

const CATEGORIES = ['Flower', 'Pre-Rolls', 'Vaporizers', 'Edibles', 'Concentrates', 'Tinctures', 'Topicals'] as const;
const BRANDS = [
  'Sunrise Farms',
  'High Desert',
  'Cascade Craft',
  'Old Pal',
  'Kiva',
  'Wyld',
  'Stiiizy',
  'Select',
  'Lowell',
  'Cresco',
];
const STRAINS = [
  'Blue Dream',
  'OG Kush',
  'Gelato',
  'Sour Diesel',
  'Wedding Cake',
  'GSC',
  'Runtz',
  'Zkittlez',
  'Jack Herer',
];
const FORMS: Record<(typeof CATEGORIES)[number], string> = {
  Flower: '3.5g',
  'Pre-Rolls': '1g Pre-Roll',
  Vaporizers: '0.5g Cart',
  Edibles: '100mg Gummies',
  Concentrates: '1g Live Resin',
  Tinctures: '30ml Tincture',
  Topicals: '2oz Balm',
};

/** Base items were all "last modified" in the past, one second apart, so windows map to index ranges. */
export const CATALOG_EPOCH_MS = Date.UTC(2024, 0, 1);

/**
 * A vendor-neutral synthetic catalogue of any size. Items are computed from their index; only
 * mutations are stored (one small override per touched item), so 100k+ items cost no memory.
 * Vendor sandboxes render these items in their own wire format.
 */
export class SyntheticCatalog {
  private items: number;
  private seed: number;
  private added = 0;
  private mutations = 0;
  private lastStamp = 0;
  private readonly overrides = new Map<number, Override>();
  private readonly labels = new Map<number, string>();
  private sortedOverrides: number[] | undefined;
  private readonly packagesPerSku: number;

  /** `packagesPerSku` consecutive items are packages of one product (default 1: one item per SKU). */
  constructor(opts: { items: number; seed: number; packagesPerSku?: number }) {
    this.items = opts.items;
    this.seed = opts.seed;
    this.packagesPerSku = Math.max(1, Math.floor(opts.packagesPerSku ?? 1));
  }

  get seedValue(): number {
    return this.seed;
  }

  /** Count of generated indexes (including removed ones); valid indexes are 0..size-1. */
  get size(): number {
    return this.items + this.added;
  }

  get baseSize(): number {
    return this.items;
  }

  reset(opts: { items: number; seed: number }): void {
    this.items = opts.items;
    this.seed = opts.seed;
    this.added = 0;
    this.mutations = 0;
    this.overrides.clear();
    this.labels.clear();
    this.sortedOverrides = undefined;
  }

  /**
   * Gives item `index` a fixed package tag (e.g. one the METRC sandbox holds), so sales of it can
   * be reported end to end. The item's modified time is left alone.
   */
  relabel(index: number, label: string): void {
    this.labels.set(index, label);
  }

  /** Strictly increasing wall-clock stamps, so two mutations never share a modified time. */
  stamp(now = Date.now()): number {
    this.lastStamp = Math.max(now, this.lastStamp + 1);
    return this.lastStamp;
  }

  get(index: number): SyntheticItem {
    const s = this.seed;
    const p = Math.floor(index / this.packagesPerSku);
    const category = pick(CATEGORIES, s, p, 1);
    const strain = pick(STRAINS, s, p, 2);
    const isFlower = category === 'Flower';
    const o = this.overrides.get(index);
    const baseQuantity = isFlower ? (1 + (hash32(s, index, 4) % 1000)) / 2 : 1 + (hash32(s, index, 4) % 300);
    return {
      index,
      productIndex: p,
      sku: `TRL-${s}-${String(p).padStart(7, '0')}`,
      name: `${strain} ${FORMS[category]} #${p}`,
      category,
      brand: pick(BRANDS, s, p, 3),
      unit: isFlower ? 'g' : 'each',
      priceCents: o?.priceCents ?? 500 + (hash32(s, p, 5) % 9500),
      quantity: o?.removed ? 0 : (o?.quantity ?? baseQuantity),
      packageLabel: this.labels.get(index) ?? `1A4${String(s % 1_000_000).padStart(6, '0')}${String(index).padStart(15, '0')}`,
      modifiedMs: o?.modifiedMs ?? CATALOG_EPOCH_MS + index * 1000,
      removed: o?.removed ?? false,
    };
  }

  isOverridden(index: number): boolean {
    return this.overrides.has(index);
  }

  /** Indexes with an override, ascending. */
  overridden(): number[] {
    this.sortedOverrides ??= [...this.overrides.keys()].sort((a, b) => a - b);
    return this.sortedOverrides;
  }

  /**
   * Changes price and stock of `changed` random live items, sells out `removed` others, and
   * appends `added` new ones, all stamped `stamp` (from `stamp()`). Picks are deterministic for a given seed and
   * mutation number.
   */
  mutate(req: MutateRequest, stamp = this.stamp()): MutateResult {
    const n = ++this.mutations;
    const taken = new Set<number>();
    const live = () => this.size - [...this.overrides.values()].filter((o) => o.removed).length - taken.size;
    const draw = (count: number, salt: number): number[] => {
      const out: number[] = [];
      const want = Math.min(Math.max(0, Math.floor(count)), live());
      for (let attempt = 0; out.length < want && attempt < want * 50 + 1000; attempt++) {
        const i = hash32(this.seed, n * 1_000_003 + attempt, salt) % this.size;
        if (taken.has(i) || this.overrides.get(i)?.removed) continue;
        taken.add(i);
        out.push(i);
      }
      return out;
    };
    const changed = draw(req.changed ?? 0, 11);
    for (const i of changed) {
      const cur = this.get(i);
      this.overrides.set(i, {
        priceCents: cur.priceCents + 100 + (hash32(this.seed, n, i) % 900),
        quantity: cur.unit === 'g' ? cur.quantity + 0.5 : cur.quantity + 1 + (hash32(this.seed, i, n) % 20),
        modifiedMs: stamp,
      });
    }
    const removed = draw(req.removed ?? 0, 13);
    for (const i of removed) this.overrides.set(i, { ...this.overrides.get(i), removed: true, modifiedMs: stamp });
    const added: number[] = [];
    for (let k = 0; k < Math.max(0, Math.floor(req.added ?? 0)); k++) {
      const i = this.size;
      this.added++;
      this.overrides.set(i, { modifiedMs: stamp });
      added.push(i);
    }
    this.sortedOverrides = undefined;
    return { changed, removed, added };
  }

  /** Whether the item at `index` is served malformed under the given rate (stable per index). */
  malformed(index: number, rate: number): boolean {
    return rate > 0 && unit(this.seed, index, 97) < rate;
  }
}
