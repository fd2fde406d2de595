/**
 * Deterministic demo data for the METRC sandbox. The DB seed imports the same constants so
 * license numbers and package labels line up between Trellis and the emulator. Nothing here
 * may depend on the clock or on unseeded randomness.
 */

export const DEMO_VENDOR_KEY = 'trellis-demo-vendor-key';
export const DEMO_USER_KEY = 'trellis-demo-user-key';

/** METRC tags: 24 upper-case alphanumerics. */
export const METRC_TAG_PATTERN = /^[0-9A-Z]{24}$/;

export type DemoRole = 'wholesaler' | 'retailer';

export interface DemoFacility {
  facilityId: number;
  /** Sandbox-style license (format is state specific and opaque; never parse it). */
  licenseNumber: string;
  name: string;
  role: DemoRole;
  licenseType: string;
}

export interface DemoItem {
  id: number;
  licenseNumber: string;
  name: string;
  category: string;
  unitOfMeasure: 'Each' | 'Grams';
  strain: string | null;
}

export interface DemoPackage {
  id: number;
  label: string;
  licenseNumber: string;
  itemId: number;
  itemName: string;
  category: string;
  quantity: number;
  unitOfMeasure: 'Each' | 'Grams';
  /** YYYY-MM-DD */
  packagedDate: string;
  /** ISO 8601, UTC. */
  lastModified: string;
}

export interface DemoUser {
  userKey: string;
  licenses: string[];
}

export interface SandboxSeed {
  vendorKeys: string[];
  users: DemoUser[];
  facilities: DemoFacility[];
  items: DemoItem[];
  packages: DemoPackage[];
}

export const DEMO_FACILITIES: readonly DemoFacility[] = [
  {
    facilityId: 1001,
    licenseNumber: 'SF-SBX-CO-21-8001',
    name: 'Evergreen Wholesale Cultivation',
    role: 'wholesaler',
    licenseType: 'Retail Marijuana Cultivation Facility',
  },
  {
    facilityId: 1002,
    licenseNumber: 'SF-SBX-CO-21-8002',
    name: 'High Plains Extracts',
    role: 'wholesaler',
    licenseType: 'Retail Marijuana Products Manufacturer',
  },
  {
    facilityId: 2001,
    licenseNumber: 'SF-SBX-CO-3-9001',
    name: 'Front Range Dispensary',
    role: 'retailer',
    licenseType: 'Retail Marijuana Store',
  },
  {
    facilityId: 2002,
    licenseNumber: 'SF-SBX-CO-3-9002',
    name: 'Mile High Cannabis Co.',
    role: 'retailer',
    licenseType: 'Retail Marijuana Store',
  },
  {
    facilityId: 2003,
    licenseNumber: 'SF-SBX-CO-3-9003',
    name: 'Boulder Leaf Retail',
    role: 'retailer',
    licenseType: 'Retail Marijuana Store',
  },
];

export const DEMO_WHOLESALERS = DEMO_FACILITIES.filter((f) => f.role === 'wholesaler');
export const DEMO_RETAILERS = DEMO_FACILITIES.filter((f) => f.role === 'retailer');

const CATALOG: readonly Omit<DemoItem, 'id' | 'licenseNumber'>[] = [
  { name: 'Blue Dream Flower 3.5g', category: 'Buds', unitOfMeasure: 'Each', strain: 'Blue Dream' },
  { name: 'Sour Diesel Flower Bulk', category: 'Buds', unitOfMeasure: 'Grams', strain: 'Sour Diesel' },
  { name: 'OG Kush Pre-Roll 1g', category: 'Pre-Roll Flower', unitOfMeasure: 'Each', strain: 'OG Kush' },
  { name: 'Gelato Live Resin Cartridge 0.5g', category: 'Vape Cartridge', unitOfMeasure: 'Each', strain: 'Gelato' },
  { name: 'Wedding Cake Gummies 100mg', category: 'Edibles', unitOfMeasure: 'Each', strain: null },
  { name: 'Granddaddy Purple Shatter 1g', category: 'Concentrate', unitOfMeasure: 'Each', strain: 'Granddaddy Purple' },
  { name: 'Green Crack Trim Bulk', category: 'Shake/Trim', unitOfMeasure: 'Grams', strain: 'Green Crack' },
  { name: 'Durban Poison Flower 7g', category: 'Buds', unitOfMeasure: 'Each', strain: 'Durban Poison' },
  { name: 'Peppermint CBD Tincture 30ml', category: 'Tinctures', unitOfMeasure: 'Each', strain: null },
  { name: 'Northern Lights Infused Chocolate 100mg', category: 'Edibles', unitOfMeasure: 'Each', strain: null },
];

export const DEMO_PACKAGES_PER_FACILITY = 50;

/** mulberry32: small, seedable, good enough for demo quantities. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `1A4` + facility id (6 digits) + sequence (15 digits): 24 characters like a real tag. */
export function demoTag(facilityId: number, sequence: number): string {
  return `1A4${String(facilityId).padStart(6, '0')}${String(sequence).padStart(15, '0')}`;
}

const BASE_TIME = Date.parse('2026-01-05T15:00:00Z');

function buildItems(): DemoItem[] {
  return DEMO_FACILITIES.flatMap((f) =>
    CATALOG.map((c, i) => ({ ...c, id: f.facilityId * 100 + i + 1, licenseNumber: f.licenseNumber })),
  );
}

function buildPackages(items: readonly DemoItem[]): DemoPackage[] {
  const random = seededRandom(20260105);
  return DEMO_FACILITIES.flatMap((f) => {
    const own = items.filter((i) => i.licenseNumber === f.licenseNumber);
    return Array.from({ length: DEMO_PACKAGES_PER_FACILITY }, (_, n) => {
      const item = own[n % own.length]!;
      const bulk = item.unitOfMeasure === 'Grams';
      const quantity = bulk ? Math.round((450 + random() * 4000) * 100) / 100 : 10 + Math.floor(random() * 190);
      const modified = new Date(BASE_TIME + (f.facilityId % 1000) * 60_000 + n * 3_600_000);
      return {
        id: f.facilityId * 1000 + n + 1,
        label: demoTag(f.facilityId, n + 1),
        licenseNumber: f.licenseNumber,
        itemId: item.id,
        itemName: item.name,
        category: item.category,
        quantity,
        unitOfMeasure: item.unitOfMeasure,
        packagedDate: modified.toISOString().slice(0, 10),
        lastModified: modified.toISOString(),
      };
    });
  });
}

export const DEMO_ITEMS: readonly DemoItem[] = buildItems();
export const DEMO_PACKAGES: readonly DemoPackage[] = buildPackages(DEMO_ITEMS);

export function demoPackagesFor(licenseNumber: string): DemoPackage[] {
  return DEMO_PACKAGES.filter((p) => p.licenseNumber === licenseNumber);
}

/** A fresh, mutable copy of the demo seed: the demo user may act for every demo facility. */
export function demoSeed(): SandboxSeed {
  return structuredClone({
    vendorKeys: [DEMO_VENDOR_KEY],
    users: [{ userKey: DEMO_USER_KEY, licenses: DEMO_FACILITIES.map((f) => f.licenseNumber) }],
    facilities: [...DEMO_FACILITIES],
    items: [...DEMO_ITEMS],
    packages: [...DEMO_PACKAGES],
  });
}
