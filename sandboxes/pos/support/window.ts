import { CATALOG_EPOCH_MS, type SyntheticCatalog } from './catalog.js';

/**
 * Items whose modified time lies in [since, until], ordered by modified time, addressable by
 * offset without materialising the list. Untouched base items have modified times that rise with
 * their index (and all predate any mutation), so they form one index range that comes first;
 * the few overridden items are sorted explicitly and follow.
 */
export function modifiedWindow(catalog: SyntheticCatalog, since: number, until: number) {
  const lo = Math.max(0, Math.ceil((since - CATALOG_EPOCH_MS) / 1000));
  const hi = Math.min(catalog.baseSize - 1, Math.floor((until - CATALOG_EPOCH_MS) / 1000));
  const overridden = catalog.overridden();
  const overriddenInRange = hi >= lo ? countBetween(overridden, lo, hi) : 0;
  const baseCount = hi >= lo ? hi - lo + 1 - overriddenInRange : 0;
  const touched = overridden
    .map((i) => ({ i, m: catalog.get(i).modifiedMs }))
    .filter(({ m }) => m >= since && m <= until)
    .sort((a, b) => a.m - b.m || a.i - b.i)
    .map(({ i }) => i);

  /** Index of the p-th (0-based) untouched item in [lo, hi]. */
  const nthBase = (p: number): number => {
    let x = lo + p;
    for (;;) {
      const next = lo + p + countBetween(overridden, lo, x);
      if (next === x) return x;
      x = next;
    }
  };

  return {
    total: baseCount + touched.length,
    page(skip: number, limit: number): number[] {
      const out: number[] = [];
      let p = skip;
      if (p < baseCount) {
        let x = nthBase(p);
        while (out.length < limit && p < baseCount) {
          while (catalog.isOverridden(x)) x++;
          out.push(x++);
          p++;
        }
      }
      for (let t = p - baseCount; out.length < limit && t < touched.length; t++) out.push(touched[t] as number);
      return out;
    },
  };
}

/** How many of the ascending `sorted` values lie in [a, b]. */
function countBetween(sorted: number[], a: number, b: number): number {
  return lowerBound(sorted, b + 1) - lowerBound(sorted, a);
}

function lowerBound(sorted: number[], v: number): number {
  let l = 0;
  let r = sorted.length;
  while (l < r) {
    const m = (l + r) >>> 1;
    if ((sorted[m] as number) < v) l = m + 1;
    else r = m;
  }
  return l;
}
