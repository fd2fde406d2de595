/**
 * A partner's program walking one order through Trellis, end to end, with a client typed by the
 * spec (openapi-typescript types + openapi-fetch): the retailer places an order, the wholesaler
 * accepts and fulfils it from a METRC package, the wholesaler's METRC user registers the manifest
 * (here: the METRC sandbox's test route), then ship, deliver, complete.
 *
 *   npm start            # in another terminal
 *   npx tsx examples/walk-order.ts
 *
 * Settings (environment): TRELLIS_URL (http://localhost:3000), METRC_SANDBOX_URL
 * (http://127.0.0.1:4010), SELLER_EMAIL / SELLER_PASSWORD and BUYER_EMAIL / BUYER_PASSWORD (the
 * demo owners of the METRC sandbox's wholesaler SF-SBX-CO-21-8001 and retailer SF-SBX-CO-3-9001);
 * STOCK_ID and SHIP_TO_LOCATION_ID pick the stock row to sell from and the buyer's premises
 * (default: the seller's first stock row with a METRC package, the buyer's first premises).
 * Exits 0 and prints the order's story when the order completes; 1 with the reason otherwise.
 */
import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import type { components, paths } from '../openapi/types.js';

type Order = components['schemas']['Order'];
type Client = ReturnType<typeof createClient<paths>>;

const env = process.env;
const BASE = env.TRELLIS_URL ?? 'http://localhost:3000';
const METRC = env.METRC_SANDBOX_URL ?? 'http://127.0.0.1:4010';
const SELLER = { email: env.SELLER_EMAIL ?? 'owner.sf-sbx-co-21-8001@trellis.local', password: env.SELLER_PASSWORD ?? 'trellis-owner-demo' };
const BUYER = { email: env.BUYER_EMAIL ?? 'owner.sf-sbx-co-3-9001@trellis.local', password: env.BUYER_PASSWORD ?? 'trellis-owner-demo' };
const QUANTITY = 2;

const say = (line: string) => console.log(`[walk-order] ${line}`);

/** Throws the API's error envelope as a readable message. */
function ok<T>(r: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (r.data !== undefined && r.response.ok) return r.data;
  throw new Error(`${what}: HTTP ${r.response.status} ${JSON.stringify(r.error)}`);
}

/** Signs in and returns a client that sends the session as a bearer token. */
async function signIn(who: { email: string; password: string }): Promise<{ api: Client; entityId: string }> {
  const anon = createClient<paths>({ baseUrl: `${BASE}/api/v1` });
  const login = ok(await anon.POST('/auth/login', { body: who }), `sign in as ${who.email}`);
  if (login.mfa_required) throw new Error(`${who.email} needs a second factor; use an entity owner or an API key`);
  const api = createClient<paths>({ baseUrl: `${BASE}/api/v1`, headers: { authorization: `Bearer ${login.token}` } });
  const me = ok(await api.GET('/auth/me'), 'who am I');
  if (!me.entity) throw new Error(`${who.email} belongs to no entity`);
  return { api, entityId: me.entity.id };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (let wait = 250; ; wait = Math.min(wait * 2, 2000)) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

async function main() {
  const seller = await signIn(SELLER);
  const buyer = await signIn(BUYER);

  // Stock the seller holds in a METRC package, enough for the order.
  const stock = ok(await seller.api.GET('/inventory', { params: { query: { limit: 200 } } }), 'seller stock').data.find(
    (row) => row.metrc_package_label !== null && row.quantity_available >= QUANTITY && (!env.STOCK_ID || row.id === env.STOCK_ID),
  );
  if (!stock) throw new Error('the seller has no stock with a METRC package label');
  const shipTo = ok(await buyer.api.GET('/locations', { params: { query: { entity_id: buyer.entityId } } }), 'buyer locations').data.find(
    (l) => !env.SHIP_TO_LOCATION_ID || l.id === env.SHIP_TO_LOCATION_ID,
  );
  if (!shipTo) throw new Error('the buyer has no licensed premises');

  // Safe to retry: the same Idempotency-Key never places a second order.
  const idempotencyKey = randomUUID();
  const body = {
    retailer_id: buyer.entityId,
    wholesaler_id: seller.entityId,
    ship_from_location_id: stock.location_id,
    ship_to_location_id: shipTo.id,
    items: [{ variant_id: stock.variant_id, quantity: QUANTITY }],
  };
  let order: Order = ok(await buyer.api.POST('/orders', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }), 'place the order');
  const retried = ok(await buyer.api.POST('/orders', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }), 'retry placing it');
  if (retried.id !== order.id) throw new Error('a retried order was placed twice');
  say(`placed ${order.order_number} (${order.status})`);

  const transition = async (who: Client, action: components['schemas']['OrderTransition']['action'], extra: Record<string, unknown> = {}) => {
    order = ok(await who.POST('/orders/{id}/transitions', { params: { path: { id: order.id } }, body: { action, ...extra } as never }), action);
    say(`${action} → ${order.status}`);
  };

  await until('the order workflow to take the order', async () => {
    const r = ok(await seller.api.GET('/orders/{id}', { params: { path: { id: order.id } } }), 'read the order');
    return r.available_transitions.includes('accept') ? r : undefined;
  });
  await transition(seller.api, 'accept');
  await transition(seller.api, 'fulfil', { lines: (order.items ?? []).map((i) => ({ item_id: i.id, metrc_package_label: stock.metrc_package_label })) });

  // Trellis creates the METRC transfer template; a licensed user registers the manifest in METRC.
  const templateId = await until('the METRC transfer template', async () => {
    const r = ok(await seller.api.GET('/orders/{id}', { params: { path: { id: order.id } } }), 'read the order');
    return r.metrc.state === 'awaiting_manifest' && r.metrc.template_id !== null ? r.metrc.template_id : undefined;
  });
  const registered = await fetch(`${METRC}/__sandbox/templates/${templateId}/register-manifest`, { method: 'POST' });
  if (!registered.ok) throw new Error(`the METRC sandbox refused the manifest: ${registered.status} ${await registered.text()}`);
  const manifest = (await registered.json()) as { ManifestNumber: string };
  say(`METRC manifest ${manifest.ManifestNumber} registered for template ${templateId}`);
  // Trellis looks for it by itself, less often as time passes; the wholesaler asks it to look
  // now. A 409 means nothing is awaited any more: Trellis found it first.
  const asked = Date.now();
  const check = await seller.api.POST('/orders/{id}/metrc/check', { params: { path: { id: order.id } } });
  if (!check.response.ok && check.response.status !== 409) ok(check, 'ask Trellis to look for the manifest now');
  await until('Trellis to match the manifest', async () => {
    const r = ok(await seller.api.GET('/orders/{id}', { params: { path: { id: order.id } } }), 'read the order');
    return r.metrc.state === 'matched' ? r : undefined;
  });
  say(`manifest matched ${((Date.now() - asked) / 1000).toFixed(1)} s after asking (check: HTTP ${check.response.status})`);

  await transition(seller.api, 'ship');
  await transition(buyer.api, 'deliver');
  await transition(buyer.api, 'complete');

  const timeline = ok(await buyer.api.GET('/orders/{id}/timeline', { params: { path: { id: order.id } } }), 'timeline');
  say(`story: ${timeline.data.map((e) => (e.type === 'status_changed' ? e.to_status : `metrc:${(e.detail as { metrc?: { state?: string } } | null)?.metrc?.state}`)).join(' → ')}`);
  if (order.status !== 'completed') throw new Error(`ended ${order.status}, not completed`);
  say(`${order.order_number} completed`);
}

main().catch((err: unknown) => {
  console.error(`[walk-order] failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
