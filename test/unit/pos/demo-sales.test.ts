import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEMO_FACILITIES, demoPackagesFor } from '../../../sandboxes/metrc/demo-data.js';
import { demoPosSandboxes } from '../../../sandboxes/pos/demo.js';
import { startDemoSales } from '../../../sandboxes/pos/support/demoSales.js';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';

/** The demo till trickle sells packages METRC holds for the connection's licence: no flood of refusals. */
describe('demo POS sales trickle', () => {
  afterEach(() => vi.useRealTimers());
  const [first, second] = DEMO_FACILITIES.filter((f) => f.role === 'retailer');

  it("sells the licence's METRC packages in their unit, a 1-in-25 share of unknown ones, bounded", () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-05T12:00:00Z') });
    const sandbox = createDutchieSandbox({ sales: 0 });
    const packages = demoPackagesFor(first!.licenseNumber);
    const known = new Map(packages.map((p) => [p.label, p]));
    const trickle = startDemoSales(sandbox.state, { packages, everyMs: 1000, maxSales: 200 });
    expect(trickle.rung).toBe(12); // the backlog, over the last hour
    vi.advanceTimersByTime(1000 * 400);
    expect(trickle.rung).toBe(200); // stops at its bound
    const sold = new Map<string, number>();
    let unknown = 0;
    let previous = 0;
    for (let j = 0; j < sandbox.state.sales.size; j++) {
      const sale = sandbox.state.sales.get(j);
      expect(sale.atMs).toBeGreaterThanOrEqual(previous);
      previous = sale.atMs;
      const labels = sale.lines.map((l) => sandbox.state.catalog.get(l.itemIndex));
      if (labels.some((i) => !known.has(i.packageLabel))) unknown += 1;
      for (const [k, item] of labels.entries()) {
        const pkg = known.get(item.packageLabel);
        if (!pkg) continue;
        // The POS unit matches METRC's (grams are flower), and no package sells over half its quantity.
        expect(item.unit === 'g').toBe(pkg.unitOfMeasure === 'Grams');
        sold.set(pkg.label, (sold.get(pkg.label) ?? 0) + sale.lines[k]!.quantity);
      }
    }
    expect(unknown).toBe(8); // sales 25, 50, … 200
    for (const [label, q] of sold) expect(q).toBeLessThanOrEqual(known.get(label)!.quantity / 2);
    trickle.stop();
  });

  it('gives each demo sandbox the packages of its own licence (Dutchie the first retailer, BLAZE the second, which reports its own)', () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-05T12:00:00Z') });
    const demo = demoPosSandboxes({ items: 500 });
    const [dutchie, blaze] = demo.sales;
    const own = (license: string) => new Set(demoPackagesFor(license).map((p) => p.label));
    expect([...dutchie!.items.values()].every((l) => own(first!.licenseNumber).has(l))).toBe(true);
    expect([...blaze!.items.values()].every((l) => own(second!.licenseNumber).has(l))).toBe(true);
    expect(dutchie!.items.size).toBeGreaterThan(40);
    for (const s of demo.sales) s.stop();
  });
});
