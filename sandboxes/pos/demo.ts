/**
 * The two POS sandboxes as npm start runs them for the demo (sandboxes/pos/main.ts; the demo test
 * builds the same): no made-up past sales, whose packages METRC has never heard of, but the till
 * trickle of support/demoSales.ts, selling packages the METRC sandbox holds for the licence each
 * demo POS connection reports under (scripts/demo-pos.ts: Dutchie the first sandbox retailer,
 * BLAZE the second). BLAZE reports its store's sales to METRC itself (its trace status), as most
 * BLAZE stores do, so the hub reports Dutchie's: BLAZE's inventory names no package labels, and
 * without one per line the hub could not report a BLAZE sale anyway.
 */
import { DEMO_FACILITIES, demoPackagesFor } from '../metrc/demo-data.js';
import { createBlazeSandbox } from './blaze.js';
import { createDutchieSandbox, type Sandbox } from './dutchie.js';
import { startDemoSales, type DemoSales } from './support/demoSales.js';

export interface DemoPosSandboxes {
  dutchie: Sandbox;
  blaze: Sandbox;
  sales: DemoSales[];
}

export function demoPosSandboxes(opts: { items?: number; saleEveryMs?: number; trickle?: boolean } = {}): DemoPosSandboxes {
  const trickle = opts.trickle ?? true;
  const dutchie = createDutchieSandbox({ items: opts.items ?? 2000, ...(trickle ? { sales: 0 } : {}) });
  const blaze = createBlazeSandbox({ items: opts.items ?? 2000, ...(trickle ? { sales: 0 } : {}) });
  const sales: DemoSales[] = [];
  if (trickle) {
    const [first, second] = DEMO_FACILITIES.filter((f) => f.role === 'retailer');
    for (const [sandbox, facility] of [[dutchie, first], [blaze, second]] as const) {
      if (facility) sales.push(startDemoSales(sandbox.state, { packages: demoPackagesFor(facility.licenseNumber), everyMs: opts.saleEveryMs ?? 60_000 }));
    }
  }
  return { dutchie, blaze, sales };
}
