import { describe, expect, it } from 'vitest';
import {
  DEMO_FACILITIES,
  DEMO_PACKAGES,
  DEMO_PACKAGES_PER_FACILITY,
  DEMO_RETAILERS,
  DEMO_WHOLESALERS,
  demoPackagesFor,
  demoSeed,
  demoTag,
  METRC_TAG_PATTERN,
} from '../../../sandboxes/metrc/demo-data.js';

describe('METRC demo data', () => {
  it('has wholesalers and retailers with unique license numbers', () => {
    expect(DEMO_WHOLESALERS.length).toBeGreaterThanOrEqual(2);
    expect(DEMO_RETAILERS.length).toBeGreaterThanOrEqual(2);
    expect(new Set(DEMO_FACILITIES.map((f) => f.licenseNumber)).size).toBe(DEMO_FACILITIES.length);
  });

  it('gives every facility 50 packages with unique 24-character METRC tags', () => {
    for (const f of DEMO_FACILITIES) expect(demoPackagesFor(f.licenseNumber)).toHaveLength(DEMO_PACKAGES_PER_FACILITY);
    const labels = DEMO_PACKAGES.map((p) => p.label);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels.every((l) => METRC_TAG_PATTERN.test(l))).toBe(true);
    expect(demoTag(1001, 1)).toBe('1A4001001000000000000001');
    expect(DEMO_PACKAGES.every((p) => p.quantity > 0)).toBe(true);
  });

  it('is deterministic, so the DB seed can reference the same labels and quantities', () => {
    // Pinned values: if these change, the DB seed and the sandbox no longer agree.
    const first = DEMO_PACKAGES[0]!;
    expect(first).toMatchObject({
      label: '1A4001001000000000000001',
      licenseNumber: 'SF-SBX-CO-21-8001',
      itemName: 'Blue Dream Flower 3.5g',
      lastModified: '2026-01-05T15:01:00.000Z',
      quantity: 104,
    });
    expect(DEMO_PACKAGES[1]!.quantity).toBe(1219.57);
    expect(DEMO_PACKAGES.at(-1)).toMatchObject({ label: '1A4002003000000000000050', quantity: 15 });
    expect(demoSeed()).toEqual(demoSeed());
    const copy = demoSeed();
    copy.packages[0]!.quantity = -1;
    expect(DEMO_PACKAGES[0]!.quantity).not.toBe(-1);
  });
});
