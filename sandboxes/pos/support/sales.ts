import type { SyntheticCatalog } from './catalog.js';
import { hash32, unit } from './random.js';

export interface SyntheticSaleLine {
  itemIndex: number;
  quantity: number;
  unitPriceCents: number;
  totalCents: number;
  /** How much of this line later returns gave back (sales only). */
  returnedQuantity: number;
}

export interface SyntheticSale {
  index: number;
  /** When the sale (or, for a return, the return) was rung up. */
  atMs: number;
  /** Last change: the ring-up, a later void, or a later return against this sale. */
  modifiedMs: number;
  status: 'completed' | 'voided' | 'returned';
  /** For a return: the index of the sale the goods came from. */
  returnOf?: number;
  /** When the transaction was voided (a voided return keeps `returnOf`). */
  voidedMs?: number;
  /** Returns made against this sale, by sale index, oldest first. */
  returnedBy: number[];
  lines: SyntheticSaleLine[];
}

/** A sale line as given by a test: catalogue index and quantity. */
export interface LineRequest {
  itemIndex: number;
  quantity: number;
}

/** Refusal of an admin request (unknown sale, bad quantities); the admin router answers 400/404. */
export class SalesRequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
  }
}

interface Appended {
  atMs: number;
  /** Explicit lines; generated from the index when absent (bulk `mutate`). */
  lines?: SyntheticSaleLine[];
  returnOf?: number;
}

interface Touched {
  modifiedMs: number;
  voidedMs?: number;
  returned?: number[];
  returnedBy?: number[];
}

const BASE_INTERVAL_MS = 60_000;
const EPS = 1e-9;

/**
 * Synthetic sales: `count` historical sales one minute apart ending at `endMs`, plus any appended
 * later (generated ones, ones a test rang up, and returns). Times rise with the index, so a
 * transaction-date window is an index range found by binary search. A later void or return
 * touches a sale (a small override) and moves its modified time, so a last-modified window is
 * that range without the touched sales plus the touched ones whose new time falls inside.
 * Historical sales are completed or (a few) voided at the till, never reported; returns only
 * come from `returnSale`, since a return needs the sale it gives goods back from.
 */
export class SyntheticSales {
  private appended: Appended[] = [];
  private readonly touched = new Map<number, Touched>();

  constructor(
    private readonly catalog: SyntheticCatalog,
    private count: number,
    private endMs: number,
  ) {}

  reset(count: number, endMs: number): void {
    this.count = count;
    this.endMs = endMs;
    this.appended = [];
    this.touched.clear();
  }

  get size(): number {
    return this.count + this.appended.length;
  }

  private atMs(j: number): number {
    return j < this.count ? this.endMs - (this.count - j) * BASE_INTERVAL_MS : this.appended[j - this.count]!.atMs;
  }

  /** `n` generated sales rung up at `stamp`; returns their indexes. */
  append(n: number, stamp: number): number[] {
    const out: number[] = [];
    for (let k = 0; k < n; k++) {
      out.push(this.size);
      this.appended.push({ atMs: stamp });
    }
    return out;
  }

  /** A completed sale of exactly these lines, at catalogue prices, rung up at `stamp`. */
  record(lines: LineRequest[], stamp: number): number {
    if (lines.length === 0) throw new SalesRequestError('a sale needs at least one line');
    const out = lines.map((l) => {
      if (!Number.isInteger(l.itemIndex) || l.itemIndex < 0 || l.itemIndex >= this.catalog.size) {
        throw new SalesRequestError(`unknown item ${l.itemIndex}`);
      }
      if (!(l.quantity > 0)) throw new SalesRequestError('quantities must be positive');
      const price = this.catalog.get(l.itemIndex).priceCents;
      return { itemIndex: l.itemIndex, quantity: l.quantity, unitPriceCents: price, totalCents: Math.round(price * l.quantity), returnedQuantity: 0 };
    });
    const j = this.size;
    this.appended.push({ atMs: stamp, lines: out });
    return j;
  }

  private must(j: number): SyntheticSale {
    if (!Number.isInteger(j) || j < 0 || j >= this.size) throw new SalesRequestError(`no sale ${j}`, 404);
    return this.get(j);
  }

  /** Voids sale `j` (a sale or a return) at `stamp`. */
  voidSale(j: number, stamp: number): void {
    const sale = this.must(j);
    if (sale.status === 'voided') throw new SalesRequestError(`sale ${j} is already voided`);
    if (sale.returnedBy.some((r) => this.get(r).status === 'returned')) {
      throw new SalesRequestError(`sale ${j} has returns; void those first`);
    }
    this.touched.set(j, { ...this.touched.get(j), modifiedMs: stamp, voidedMs: stamp });
    if (sale.returnOf !== undefined) {
      // Undoing a return gives the original its quantities back.
      const orig = this.get(sale.returnOf);
      const t = this.touched.get(sale.returnOf)!;
      const returned = [...(t.returned ?? orig.lines.map(() => 0))];
      for (const l of sale.lines) {
        const k = orig.lines.findIndex((o, i) => o.itemIndex === l.itemIndex && returned[i]! >= l.quantity - EPS);
        if (k >= 0) returned[k] = returned[k]! - l.quantity;
      }
      this.touched.set(sale.returnOf, { ...t, modifiedMs: stamp, returned });
    }
  }

  /**
   * A return against completed sale `j` at `stamp`: `lines` (default: everything not yet
   * returned) at the sale's own prices. Returns the new return's index.
   */
  returnSale(j: number, lines: LineRequest[] | undefined, stamp: number): number {
    const sale = this.must(j);
    if (sale.status !== 'completed') throw new SalesRequestError(`sale ${j} is ${sale.status}; only completed sales take returns`);
    const returned = sale.lines.map((l) => l.returnedQuantity);
    const wanted = lines ?? sale.lines.map((l) => ({ itemIndex: l.itemIndex, quantity: l.quantity - l.returnedQuantity })).filter((l) => l.quantity > EPS);
    if (wanted.length === 0) throw new SalesRequestError(`sale ${j} has nothing left to return`);
    const out: SyntheticSaleLine[] = [];
    for (const w of wanted) {
      if (!(w.quantity > 0)) throw new SalesRequestError('quantities must be positive');
      const k = sale.lines.findIndex((l, i) => l.itemIndex === w.itemIndex && l.quantity - returned[i]! >= w.quantity - EPS);
      if (k < 0) throw new SalesRequestError(`sale ${j} has no line of item ${w.itemIndex} with ${w.quantity} left to return`);
      returned[k] = returned[k]! + w.quantity;
      const line = sale.lines[k]!;
      out.push({ itemIndex: w.itemIndex, quantity: w.quantity, unitPriceCents: line.unitPriceCents, totalCents: Math.round(line.unitPriceCents * w.quantity), returnedQuantity: 0 });
    }
    const r = this.size;
    this.appended.push({ atMs: stamp, lines: out, returnOf: j });
    const t = this.touched.get(j);
    this.touched.set(j, { ...t, modifiedMs: stamp, returned, returnedBy: [...(t?.returnedBy ?? []), r] });
    return r;
  }

  get(j: number): SyntheticSale {
    const s = this.catalog.seedValue;
    const extra = j >= this.count ? this.appended[j - this.count] : undefined;
    let lines = extra?.lines?.map((l) => ({ ...l }));
    if (!lines) {
      lines = [];
      const lineCount = 1 + (hash32(s, j, 32) % 3);
      for (let k = 0; k < lineCount && this.catalog.baseSize > 0; k++) {
        const itemIndex = hash32(s, j * 4 + k, 33) % this.catalog.baseSize;
        const item = this.catalog.get(itemIndex);
        const quantity = 1 + (hash32(s, j * 4 + k, 34) % 3);
        lines.push({ itemIndex, quantity, unitPriceCents: item.priceCents, totalCents: item.priceCents * quantity, returnedQuantity: 0 });
      }
    }
    const atMs = this.atMs(j);
    const t = this.touched.get(j);
    t?.returned?.forEach((q, k) => {
      if (lines[k]) lines[k].returnedQuantity = q;
    });
    const returnOf = extra?.returnOf;
    const rungUp: SyntheticSale['status'] = returnOf !== undefined ? 'returned' : !extra?.lines && unit(s, j, 31) < 0.05 ? 'voided' : 'completed';
    return {
      index: j,
      atMs,
      modifiedMs: t?.modifiedMs ?? atMs,
      status: t?.voidedMs !== undefined ? 'voided' : rungUp,
      ...(returnOf !== undefined ? { returnOf } : {}),
      ...(t?.voidedMs !== undefined ? { voidedMs: t.voidedMs } : rungUp === 'voided' ? { voidedMs: atMs } : {}),
      returnedBy: t?.returnedBy ?? [],
      lines,
    };
  }

  /** Indexes of sales rung up in [from, to], ascending. */
  between(from: number, to: number): { first: number; end: number } {
    return { first: this.lowerBound(from), end: this.lowerBound(to + 1) };
  }

  /** Indexes of sales last modified in [from, to], by modified time. */
  modifiedBetween(from: number, to: number): Iterable<number> {
    const { first, end } = this.between(from, to);
    if (this.touched.size === 0) {
      // Nothing was changed after the till: the ring-up window is the answer, already in order.
      return (function* () {
        for (let j = first; j < end; j++) yield j;
      })();
    }
    const out: { j: number; m: number }[] = [];
    for (let j = first; j < end; j++) if (!this.touched.has(j)) out.push({ j, m: this.atMs(j) });
    for (const [j, t] of this.touched) if (t.modifiedMs >= from && t.modifiedMs <= to) out.push({ j, m: t.modifiedMs });
    return out.sort((a, b) => a.m - b.m || a.j - b.j).map((x) => x.j);
  }

  private lowerBound(ms: number): number {
    let l = 0;
    let r = this.size;
    while (l < r) {
      const m = (l + r) >>> 1;
      if (this.atMs(m) < ms) l = m + 1;
      else r = m;
    }
    return l;
  }
}
