/**
 * The demo's trickle of till sales (npm start only, sandboxes/pos/main.ts): a sale every minute or
 * so, of catalogue items carrying the labels of packages the METRC sandbox holds for the licence
 * the demo POS connection reports under, so their receipts are accepted. Now and then a sale is of
 * an item whose label METRC does not know — a refusal compliance staff fix from the console (the
 * hub suggests the licence's packages) — a small share, never hundreds.
 *
 * Bounded: a package sells at most half of what METRC holds of it, and the trickle stops after
 * `maxSales`, so a demo left running for days neither drains METRC nor grows without end.
 * Deterministic given the sandbox's seed (which items, which quantities); only the times are the clock's.
 */
import type { SandboxState } from './admin.js';
import { hash32 } from './random.js';

export interface DemoPackage {
  label: string;
  unitOfMeasure: string;
  quantity: number;
}

export interface DemoSalesOptions {
  packages: readonly DemoPackage[];
  /** Between two sales (default one minute). */
  everyMs?: number;
  /** Sales rung up in all, backlog included (default 500). */
  maxSales?: number;
  /** Every n-th sale names a package METRC does not know (default 25: 4 %; 0 = never). */
  unknownEvery?: number;
  /** Sales already rung up over the last hour when the trickle starts (default 12). */
  backlog?: number;
}

interface Sellable {
  index: number;
  grams: boolean;
  left: number;
}

export interface DemoSales {
  readonly rung: number;
  /** The items given METRC package labels, by catalogue index. */
  readonly items: ReadonlyMap<number, string>;
  stop(): void;
}

export function startDemoSales(state: SandboxState, opts: DemoSalesOptions): DemoSales {
  const { catalog, sales } = state;
  const every = opts.everyMs ?? 60_000;
  const max = opts.maxSales ?? 500;
  const unknownEvery = opts.unknownEvery ?? 25;
  const seed = catalog.seedValue;

  // Each package goes to the next catalogue item of its unit (grams are flower, by the catalogue).
  const items = new Map<number, string>();
  const sellable: Sellable[] = [];
  const unlabelled: Sellable[] = [];
  const isGrams = (i: number) => catalog.get(i).unit === 'g';
  let next = 0;
  for (const p of opts.packages) {
    const grams = p.unitOfMeasure === 'Grams';
    // Items skipped for their unit keep their own (unknown to METRC) labels: the fixable share.
    for (; next < catalog.baseSize && isGrams(next) !== grams; next++) unlabelled.push({ index: next, grams: isGrams(next), left: Infinity });
    if (next >= catalog.baseSize) break;
    catalog.relabel(next, p.label);
    items.set(next, p.label);
    sellable.push({ index: next, grams, left: p.quantity / 2 });
    next += 1;
  }

  let rung = 0;
  const ring = (at: number): boolean => {
    if (rung >= max) return false;
    const n = rung;
    const unknown = unknownEvery > 0 && n % unknownEvery === unknownEvery - 1 && unlabelled.length > 0;
    const pool = unknown ? unlabelled : sellable.filter((s) => s.left >= (s.grams ? 3.5 : 1));
    if (!pool.length) return false;
    const lines = new Map<number, number>();
    const count = 1 + (hash32(seed, n, 91) % 2);
    for (let k = 0; k < count; k++) {
      const s = pool[hash32(seed, n * 3 + k, 92) % pool.length]!;
      if (lines.has(s.index)) continue;
      const quantity = s.grams ? [1, 3.5][hash32(seed, n * 3 + k, 93) % 2]! : 1 + (hash32(seed, n * 3 + k, 94) % 2);
      if (s.left < quantity) continue;
      s.left -= quantity;
      lines.set(s.index, quantity);
    }
    if (!lines.size) return false;
    sales.record([...lines].map(([itemIndex, quantity]) => ({ itemIndex, quantity })), at);
    rung += 1;
    return true;
  };

  // A short history first, in time order, so the first sync has receipts to report.
  const backlog = Math.min(opts.backlog ?? 12, max);
  const now = Date.now();
  for (let k = backlog; k > 0; k--) ring(now - Math.round((k * 3_600_000) / (backlog + 1)));
  const timer = setInterval(() => {
    if (!ring(catalog.stamp())) clearInterval(timer);
  }, every);
  timer.unref();

  return {
    get rung() {
      return rung;
    },
    items,
    stop: () => clearInterval(timer),
  };
}
