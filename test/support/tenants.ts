/**
 * Two tenants with one of every kind of object, and the callers of one of them, for the generated
 * tenancy tests. Which object a reference field or a path parameter names is decided by its name,
 * the same way for both tenants, so "another tenant's id" is always the other tenant's object of
 * the same kind.
 */
import { randomUUID } from 'node:crypto';
import type { ApiDeps } from '../../api/deps.js';
import type { Actor } from '../../domain/actor.js';
import { API_KEY_SCOPES } from '../../domain/policy.js';
import { apiKeyHeaders, headersFor } from './auth.js';
import { createWorld, request } from './fixtures.js';

export type Tenant = Awaited<ReturnType<typeof createTenant>>;

export async function createTenant(base: string, admin: Record<string, string>) {
  const w = await createWorld(base, admin);
  const post = async (path: string, body: unknown) => {
    const r = await request(base, 'POST', path, body, admin);
    if (r.status !== 201) throw new Error(`POST ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  // A variant with no stock and on no order, for bodies that add one (stock rows and order lines
  // are unique per variant).
  const spareVariant = await post('/product-variants', { product_id: w.product.id, sku: `SP-${w.tag}`, name: 'spare', price_minor: 900 });
  const order = await post('/orders', {
    retailer_id: w.retailer.id,
    wholesaler_id: w.wholesaler.id,
    ship_from_location_id: w.warehouse.id,
    ship_to_location_id: w.store.id,
    items: [{ variant_id: w.variant.id, quantity: 1 }],
  });
  const connection = await post('/pos-connections', { entity_id: w.wholesaler.id, location_id: w.warehouse.id, vendor: 'dutchie', credentials: { location_key: `k-${w.tag}` } });
  return { ...w, spareVariant, order, connection };
}

export type Side = 'wholesaler' | 'retailer';

/** The object of `t` a body field names, for a caller acting for `side` of that tenant. */
export function referenceOf(t: Tenant, side: Side, name: string): string | undefined {
  const own = { entity_id: t[side].id, location_id: (side === 'wholesaler' ? t.warehouse : t.store).id };
  const named: Record<string, string> = {
    ...own,
    retailer_id: t.retailer.id,
    wholesaler_id: t.wholesaler.id,
    ship_from_location_id: t.warehouse.id,
    ship_to_location_id: t.store.id,
    product_id: t.product.id,
    variant_id: t.spareVariant.id,
    order_id: t.order.id,
    item_id: t.order.items[0].id,
    connection_id: t.connection.id,
    target_id: t.order.id,
  };
  return named[name];
}

/** The object a path parameter names: by the collection the parameter follows. */
export function pathObjectOf(t: Tenant, collection: string): string | undefined {
  const byCollection: Record<string, string> = {
    entities: t.wholesaler.id,
    locations: t.warehouse.id,
    products: t.product.id,
    'product-variants': t.variant.id,
    inventory: t.stock.id,
    orders: t.order.id,
    items: t.order.items[0].id,
    'pos-connections': t.connection.id,
  };
  return byCollection[collection];
}

/** The template with each parameter naming `t`'s object; unknown kinds get a random id. */
export function pathFor(t: Tenant, template: string): string {
  return knownPathFor(t, template, true)!;
}

/** The same, or undefined when a parameter names a kind of object the tenant has no fixture for. */
export function knownPathFor(t: Tenant, template: string, orRandom = false): string | undefined {
  const segments = template.split('/');
  let known = true;
  const path = segments
    .map((seg, i) => {
      if (!/^\{.+\}$/.test(seg)) return seg;
      const id = pathObjectOf(t, segments[i - 1] ?? '');
      if (!id) known = false;
      return id ?? randomUUID();
    })
    .join('/');
  return known || orRandom ? path : undefined;
}

export interface TenantCaller {
  name: string;
  side: Side;
  /** For the policy's verdict: may this caller attempt the operation at all? */
  actor: Actor;
  headers: Record<string, string>;
}

/** The tenant's people and partner software: both owners and a key with every scope for each side. */
export async function callersOf(deps: ApiDeps, t: Tenant): Promise<TenantCaller[]> {
  const out: TenantCaller[] = [];
  for (const side of ['wholesaler', 'retailer'] as const) {
    const entityId = t[side].id as string;
    out.push({ name: `${side} owner`, side, actor: { kind: 'user', id: 'u', role: 'owner', entityId }, headers: await headersFor(deps, { role: 'owner', entityId }) });
    out.push({
      name: `${side} key`,
      side,
      actor: { kind: 'api_key', id: 'k', role: 'partner', entityId, scopes: [...API_KEY_SCOPES] },
      headers: await apiKeyHeaders(deps, { entityId, scopes: [...API_KEY_SCOPES] }),
    });
  }
  return out;
}

/** Deletes the tenants' POS connections, so their Schedules do not fire into later test files. */
export async function removeConnections(base: string, admin: Record<string, string>, tenants: Tenant[]): Promise<void> {
  for (const t of tenants) {
    for (const entity of [t.wholesaler.id, t.retailer.id]) {
      const list = await request(base, 'GET', `/pos-connections?entity_id=${entity}&limit=100`, undefined, admin);
      for (const c of (list.body?.data ?? []) as Array<{ id: string }>) {
        const r = await request(base, 'DELETE', `/pos-connections/${c.id}`, undefined, admin);
        if (r.status !== 204) throw new Error(`DELETE /pos-connections/${c.id} → ${r.status} ${JSON.stringify(r.body)}`);
      }
    }
  }
}
