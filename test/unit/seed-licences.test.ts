import { describe, expect, it } from 'vitest';
import { buildDemoData } from '../../db/seed/build.js';

describe('demo licences', () => {
  it('run at least two months from the day the demo is loaded, whatever that day is', () => {
    for (const today of [Date.parse('2026-01-05T00:00:00Z'), Date.parse('2026-12-05T00:00:00Z'), Date.parse('2031-07-01T00:00:00Z')]) {
      const { entities } = buildDemoData({ today, productsPerWholesaler: 2, orders: 5 });
      const earliest = entities.map((e) => Date.parse(String(e.license_expires_on))).sort((a, b) => a - b)[0]!;
      expect(earliest).toBeGreaterThanOrEqual(today + 60 * 86_400_000);
    }
  });

  it('are the same for the same seed and day', () => {
    const today = Date.parse('2026-12-05T10:00:00Z');
    const a = buildDemoData({ today, productsPerWholesaler: 2, orders: 5 }).entities.map((e) => e.license_expires_on);
    const b = buildDemoData({ today, productsPerWholesaler: 2, orders: 5 }).entities.map((e) => e.license_expires_on);
    expect(a).toEqual(b);
  });
});
