import type { SyntheticCatalog } from './catalog.js';
import { hash32, unit } from './random.js';

export interface SyntheticSaleLine {
  itemIndex: number;
  quantity: number;
  unitPriceCents: number;
  totalCents: number;
}

export interface SyntheticSale {
  index: number;
  /** When the sale was rung up and last touched (the generator never edits a sale later). */
  atMs: number;
  status: 'completed' | 'voided' | 'returned';
  lines: SyntheticSaleLine[];
}

const BASE_INTERVAL_MS = 60_000;

/**
 * Synthetic sales: `count` historical sales one minute apart ending at `endMs`, plus any appended
 * later. Times rise with the index, so a time window is an index range found by binary search.
 */
export class SyntheticSales {
  private appended: number[] = [];

  constructor(
    private readonly catalog: SyntheticCatalog,
    private count: number,
    private endMs: number,
  ) {}

  reset(count: number, endMs: number): void {
    this.count = count;
    this.endMs = endMs;
    this.appended = [];
  }

  get size(): number {
    return this.count + this.appended.length;
  }

  private atMs(j: number): number {
    return j < this.count
      ? this.endMs - (this.count - j) * BASE_INTERVAL_MS
      : (this.appended[j - this.count] as number);
  }

  append(n: number, stamp: number): number[] {
    const out: number[] = [];
    for (let k = 0; k < n; k++) {
      out.push(this.size);
      this.appended.push(stamp);
    }
    return out;
  }

  get(j: number): SyntheticSale {
    const s = this.catalog.seedValue;
    const r = unit(s, j, 31);
    const lineCount = 1 + (hash32(s, j, 32) % 3);
    const lines: SyntheticSaleLine[] = [];
    for (let k = 0; k < lineCount && this.catalog.baseSize > 0; k++) {
      const itemIndex = hash32(s, j * 4 + k, 33) % this.catalog.baseSize;
      const item = this.catalog.get(itemIndex);
      const quantity = 1 + (hash32(s, j * 4 + k, 34) % 3);
      lines.push({ itemIndex, quantity, unitPriceCents: item.priceCents, totalCents: item.priceCents * quantity });
    }
    return { index: j, atMs: this.atMs(j), status: r < 0.05 ? 'voided' : r < 0.08 ? 'returned' : 'completed', lines };
  }

  /** Indexes of sales with atMs in [from, to], ascending. */
  between(from: number, to: number): { first: number; end: number } {
    return { first: this.lowerBound(from), end: this.lowerBound(to + 1) };
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
