import { randomUUID } from 'node:crypto';
import { json } from './harness.js';

/** Builds a small trading world through the public API. Unique license numbers per call. */
export async function request(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const data: any = text ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, body: data };
}

export async function createWorld(base: string, headers: Record<string, string> = {}) {
  const tag = randomUUID().slice(0, 8).toUpperCase();
  const post = async (path: string, body: unknown) => {
    const r = await request(base, 'POST', path, body, headers);
    if (r.status !== 201) throw new Error(`POST ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const wholesaler = await post('/entities', { type: 'wholesaler', name: `Green Valley Wholesale ${tag}`, license_number: `W-${tag}`, license_state: 'CO', license_type: 'Wholesale' });
  const retailer = await post('/entities', { type: 'retailer', name: `Mile High Dispensary ${tag}`, license_number: `R-${tag}`, license_state: 'CO', license_type: 'Retail' });
  const address = { address_line1: '1 Main St', city: 'Denver', state: 'CO', postal_code: '80202' };
  const warehouse = await post('/locations', { entity_id: wholesaler.id, name: 'Warehouse', license_number: `WL-${tag}`, ...address });
  const store = await post('/locations', { entity_id: retailer.id, name: 'Store', license_number: `RL-${tag}`, ...address });
  const product = await post('/products', { entity_id: wholesaler.id, name: `Blue Dream Flower ${tag}`, category: 'Flower', brand: 'Peak', description: 'Sativa-dominant hybrid' });
  const variant = await post('/product-variants', { product_id: product.id, sku: `BD-${tag}`, name: '3.5g jar', price_minor: 2500 });
  const stock = await post('/inventory', { variant_id: variant.id, location_id: warehouse.id, quantity_on_hand: 100 });
  return { tag, wholesaler, retailer, warehouse, store, product, variant, stock };
}

export { json };
