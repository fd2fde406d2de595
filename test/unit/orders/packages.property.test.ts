/**
 * Fulfilment against known packages (issue 14.1), property-based: over generated orders, package
 * universes and label choices, a fulfilment whose every line names its own fitting package passes,
 * and breaking one line in one way is reported on that line alone, with the reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFulfilmentPackages, type KnownPackage, type LineToFulfil } from '../../../domain/orders/index.js';

const PRODUCTS = ['p1', 'p2', 'p3', 'p4'];
const label = (n: number) => `1A4${String(n).padStart(21, '0')}`;

/** An order of 1–8 lines, each with a fitting package (distinct labels), plus unrelated packages. */
const world = fc
  .record({
    lines: fc.array(fc.record({ product: fc.constantFrom(...PRODUCTS), quantity: fc.integer({ min: 1, max: 500 }), spare: fc.integer({ min: 0, max: 100 }), source: fc.constantFrom<'pos' | 'inventory'>('pos', 'inventory') }), { minLength: 1, maxLength: 8 }),
    noise: fc.array(fc.record({ product: fc.constantFrom(...PRODUCTS), quantity: fc.integer({ min: 0, max: 500 }), active: fc.boolean() }), { maxLength: 6 }),
  })
  .map(({ lines, noise }) => {
    const order: LineToFulfil[] = lines.map((l, i) => ({ itemId: `item-${i}`, productId: l.product, quantity: l.quantity }));
    const known: KnownPackage[] = [
      ...lines.map((l, i) => ({ label: label(i), productId: l.product, quantity: l.quantity + l.spare, active: true, source: l.source })),
      ...noise.map((n, j) => ({ label: label(1000 + j), productId: n.product, quantity: n.quantity, active: n.active, source: 'pos' as const })),
    ];
    const labels = order.map((l, i) => ({ item_id: l.itemId, metrc_package_label: label(i) }));
    return { order, known, labels };
  });

const BREAKS = ['unknown', 'other product', 'too small', 'retired', 'reused'] as const;

describe('checkFulfilmentPackages (property-based)', () => {
  it('every line on its own fitting package: no problem, in any line order', () => {
    fc.assert(
      fc.property(world, fc.integer(), ({ order, known, labels }, seed) => {
        const shuffled = [...labels].sort((a, b) => ((a.item_id.charCodeAt(5) * seed) % 7) - ((b.item_id.charCodeAt(5) * seed) % 7));
        expect(checkFulfilmentPackages(order, shuffled, known)).toEqual([]);
      }),
    );
  });

  it('one line broken in one way: that line is named, with why, and no other', () => {
    fc.assert(
      fc.property(world, fc.nat(), fc.constantFrom(...BREAKS), ({ order, known, labels }, pick, how) => {
        if (how === 'reused' && order.length < 2) return;
        // A reuse is a later line taking an earlier line's package: never line 0.
        const i = how === 'reused' ? 1 + (pick % (order.length - 1)) : pick % order.length;
        const line = order[i]!;
        let pkgs = known;
        const lines = labels.map((l) => ({ ...l }));
        const own = label(i);
        switch (how) {
          case 'unknown':
            lines[i]!.metrc_package_label = label(9999);
            break;
          case 'other product':
            pkgs = known.map((k) => (k.label === own ? { ...k, productId: PRODUCTS.find((p) => p !== line.productId)! } : k));
            break;
          case 'too small':
            pkgs = known.map((k) => (k.label === own ? { ...k, quantity: line.quantity - 1 } : k));
            break;
          case 'retired':
            pkgs = known.map((k) => (k.label === own ? { ...k, active: false } : k));
            break;
          case 'reused':
            lines[i]!.metrc_package_label = label(i - 1);
            break;
        }
        const problems = checkFulfilmentPackages(order, lines, pkgs);
        expect(problems.map((p) => p.field)).toEqual([`lines[${i}].metrc_package_label`]);
        const why = { unknown: 'not known', 'other product': 'another product', 'too small': `the line ships ${line.quantity}`, retired: 'not active', reused: 'already used' }[how];
        expect(problems[0]!.issue).toContain(why);
      }),
    );
  });

  it('a synced package is judged by its own quantity even when a stock row carries the same label', () => {
    const order: LineToFulfil[] = [{ itemId: 'i', productId: 'p1', quantity: 10 }];
    const known: KnownPackage[] = [
      { label: label(1), productId: 'p1', quantity: 500, active: true, source: 'inventory' },
      { label: label(1), productId: 'p1', quantity: 4, active: true, source: 'pos' },
    ];
    expect(checkFulfilmentPackages(order, [{ item_id: 'i', metrc_package_label: label(1) }], known)).toEqual([
      { field: 'lines[0].metrc_package_label', issue: `package ${label(1)} holds 4, the line ships 10` },
    ]);
  });
});
