import type { FulfilmentLine, FulfilmentProblem } from './fulfilment.js';

/**
 * Fulfilment against what the hub knows of the wholesaler's METRC packages (issue 14.1): every
 * label must be a package at the order's ship-from premises (its licence), active, of the line's
 * product, holding at least the line's quantity, and used by one line only. The hub knows packages
 * from POS syncs (`inventory_packages`, one row per vendor package) and from stock rows labelled
 * by hand or by the seed (`inventory.metrc_package_label`, the row's on-hand quantity). Pure.
 */
export interface KnownPackage {
  label: string;
  productId: string;
  /** Units in the package. */
  quantity: number;
  /** Still listed by the last POS snapshot (not retired) and not empty. */
  active: boolean;
  /** `pos` = a synced vendor package; `inventory` = a labelled stock row (sum of its packages). */
  source: 'pos' | 'inventory';
}

export interface LineToFulfil {
  itemId: string;
  productId: string;
  quantity: number;
}

/**
 * The package a label stands for at the ship-from premises. A synced package wins over a stock
 * row carrying the same label (the row's quantity is the sum of all its packages); among several,
 * the one that fits the line best.
 */
function candidateFor(label: string, line: LineToFulfil, known: readonly KnownPackage[]): KnownPackage | undefined {
  const all = known.filter((k) => k.label === label);
  const pool = all.some((k) => k.source === 'pos') ? all.filter((k) => k.source === 'pos') : all;
  const score = (k: KnownPackage) => (k.productId === line.productId ? 4 : 0) + (k.active ? 2 : 0) + (k.quantity >= line.quantity ? 1 : 0);
  return [...pool].sort((a, b) => score(b) - score(a))[0];
}

/**
 * One problem per bad line (field `lines[i].metrc_package_label`), saying why. Expects lines
 * already checked by checkFulfilmentLines (each order line once, labels well-formed).
 */
export function checkFulfilmentPackages(
  orderLines: readonly LineToFulfil[],
  labels: readonly FulfilmentLine[],
  known: readonly KnownPackage[],
): FulfilmentProblem[] {
  const byItem = new Map(orderLines.map((l) => [l.itemId, l]));
  const firstUse = new Map<string, number>();
  const problems: FulfilmentProblem[] = [];
  labels.forEach((l, i) => {
    const field = `lines[${i}].metrc_package_label`;
    const line = byItem.get(l.item_id);
    if (!line) return;
    const earlier = firstUse.get(l.metrc_package_label);
    if (earlier !== undefined) {
      problems.push({ field, issue: `package ${l.metrc_package_label} is already used by lines[${earlier}]; one package per line` });
      return;
    }
    firstUse.set(l.metrc_package_label, i);
    const pkg = candidateFor(l.metrc_package_label, line, known);
    if (!pkg) problems.push({ field, issue: `package ${l.metrc_package_label} is not known at the ship-from premises' licence` });
    else if (!pkg.active) problems.push({ field, issue: `package ${l.metrc_package_label} is not active (retired or empty)` });
    else if (pkg.productId !== line.productId) problems.push({ field, issue: `package ${l.metrc_package_label} holds another product than this line` });
    else if (pkg.quantity < line.quantity) {
      problems.push({ field, issue: `package ${l.metrc_package_label} holds ${pkg.quantity}, the line ships ${line.quantity}` });
    }
  });
  return problems;
}
