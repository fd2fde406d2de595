/**
 * The trading partners a drill orders between: every wholesaler and retailer facility of the
 * METRC sandbox as real entities (created through the API), stock for each wholesaler, and the
 * sandbox's drill packages known to the hub as a POS sync records them (fulfilment names only
 * packages the hub knows at the ship-from premises).
 */
import { randomUUID } from 'node:crypto';
import { DEMO_RETAILERS, DEMO_WHOLESALERS } from '../../sandboxes/metrc/index.js';
import { adminHeaders, headersFor } from '../../test/support/auth.js';
import { request } from '../../test/support/fixtures.js';
import { drillLabel, type Stack } from './stack.js';

export interface Wholesaler {
  id: string;
  location: string;
  facilityId: number;
  variants: string[];
  inventory: string[];
  headers: Record<string, string>;
}
export interface Retailer {
  id: string;
  location: string;
  headers: Record<string, string>;
}
export interface World {
  admin: Record<string, string>;
  wholesalers: Wholesaler[];
  retailers: Retailer[];
  onHandPerRow: number;
  /** Hands out a wholesaler's next unused drill package label. */
  nextLabel(w: Wholesaler): string;
}

export async function createWorld(stack: Stack, packagesPerFacility: number): Promise<World> {
  const api = stack.apis[0]!.url;
  const admin = await adminHeaders(stack.deps);
  const tag = randomUUID().slice(0, 6).toUpperCase();
  const post = async (path: string, body: unknown) => {
    const r = await request(api, 'POST', path, body, admin);
    if (r.status !== 201) throw new Error(`setup: POST ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { id: string };
  };
  const address = { address_line1: '1 Main St', city: 'Denver', state: 'CO', postal_code: '80202' };
  const onHandPerRow = 10_000;
  const wholesalers: Wholesaler[] = [];
  for (const [n, f] of DEMO_WHOLESALERS.entries()) {
    const e = await post('/entities', { type: 'wholesaler', name: f.name, license_number: `DW-${tag}-${n}`, license_state: 'CO', license_type: f.licenseType });
    const loc = await post('/locations', { entity_id: e.id, name: f.name, license_number: f.licenseNumber, ...address });
    const product = await post('/products', { entity_id: e.id, name: 'Blue Dream Flower 3.5g', category: 'Flower' });
    const variants: string[] = [];
    const inventory: string[] = [];
    for (let v = 0; v < 4; v++) {
      const variant = await post('/product-variants', { product_id: product.id, sku: `DR-${n}-${v}`, name: `jar ${v}`, price_minor: 2500 });
      const stock = await post('/inventory', { variant_id: variant.id, location_id: loc.id, quantity_on_hand: onHandPerRow });
      variants.push(variant.id);
      inventory.push(stock.id);
    }
    const connection = randomUUID();
    await stack.deps.sequelize.query(`INSERT INTO pos_connections (id, entity_id, location_id, vendor, credentials_enc) VALUES (?, ?, ?, 'dutchie', 'drill')`, {
      replacements: [connection, e.id, loc.id],
    });
    const run = randomUUID();
    const rows = Array.from({ length: packagesPerFacility }, (_, k) => [randomUUID(), connection, `drill-${k}`, inventory[0]!, drillLabel(f.facilityId, k), 100, run]);
    await stack.deps.sequelize.query(
      `INSERT INTO inventory_packages (id, pos_connection_id, vendor_item_id, inventory_id, metrc_package_label, pos_quantity, pos_seen_run) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      { replacements: rows.flat() },
    );
    wholesalers.push({ id: e.id, location: loc.id, facilityId: f.facilityId, variants, inventory, headers: await headersFor(stack.deps, { role: 'member', entityId: e.id }) });
  }
  const retailers: Retailer[] = [];
  for (const [n, f] of DEMO_RETAILERS.entries()) {
    const e = await post('/entities', { type: 'retailer', name: f.name, license_number: `DR-${tag}-${n}`, license_state: 'CO', license_type: f.licenseType });
    const loc = await post('/locations', { entity_id: e.id, name: f.name, license_number: f.licenseNumber, ...address });
    retailers.push({ id: e.id, location: loc.id, headers: await headersFor(stack.deps, { role: 'owner', entityId: e.id }) });
  }
  const used = new Map<number, number>();
  return {
    admin,
    wholesalers,
    retailers,
    onHandPerRow,
    nextLabel(w) {
      const n = used.get(w.facilityId) ?? 0;
      if (n >= packagesPerFacility) throw new Error(`facility ${w.facilityId} ran out of drill packages`);
      used.set(w.facilityId, n + 1);
      return drillLabel(w.facilityId, n);
    },
  };
}
