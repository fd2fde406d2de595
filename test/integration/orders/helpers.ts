import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { ApiDeps } from '../../../api/deps.js';
import type { TaskQueueName } from '../../../temporal.config.js';
import { adminHeaders, headersFor } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, temporalClient, type RunningApi, type RunningWorkers } from '../../support/harness.js';

/** Test settings: fast retries so a failed attempt costs milliseconds, long deadlines unless a test shortens them. */
export const FAST = { TEMPORAL_RETRY_INITIAL_INTERVAL_MS: '100', ORDER_ACCEPT_DEADLINE: '1h', ORDER_REMINDER_BEFORE: '0', ORDER_AUTO_COMPLETE_AFTER: '0' };

export type World = Awaited<ReturnType<typeof createWorld>>;
export type Headers = Record<string, string>;

export interface OrdersEnv {
  deps: ApiDeps;
  api: RunningApi;
  workers?: RunningWorkers;
  client: Client;
  world: World;
  admin: Headers;
  retailer: Headers;
  wholesaler: Headers;
  compliance: Headers;
  close(): Promise<void>;
}

export async function ordersEnv(opts: { env?: Record<string, string>; queues?: TaskQueueName[] | false } = {}): Promise<OrdersEnv> {
  const deps = createDeps({ ...FAST, ...opts.env });
  const workers = opts.queues === false ? undefined : await startWorkers(deps, { queues: opts.queues ?? ['orders', 'notifications'] });
  const api = await startApi(deps);
  const client = await temporalClient(deps.config);
  const admin = await adminHeaders(deps);
  const world = await createWorld(api.url, admin);
  const [retailer, wholesaler, compliance] = await Promise.all([
    headersFor(deps, { role: 'owner', entityId: world.retailer.id }),
    headersFor(deps, { role: 'member', entityId: world.wholesaler.id }),
    headersFor(deps, { role: 'compliance' }),
  ]);
  return {
    deps,
    api,
    workers,
    client,
    world,
    admin,
    retailer,
    wholesaler,
    compliance,
    async close() {
      await api.close();
      await workers?.stop();
      await client.connection.close();
      await closeDeps(deps);
    },
  };
}

export const call = (env: OrdersEnv, headers: Headers, method: string, path: string, body?: unknown, extra: Headers = {}) =>
  request(env.api.url, method, path, body, { ...headers, ...extra });

/** A fresh METRC-shaped package label (24 characters, unique per call). */
export const newLabel = () => `1A4${randomUUID().replace(/-/g, '').slice(0, 21).toUpperCase()}`;

/** The package label of each variant's stock row made by freshStock: what fulfilment must name. */
const labelOfVariant = new Map<string, string>();

/**
 * A new variant with its own stock row at the wholesaler's warehouse, so counts are exact per
 * test. The row carries a METRC package label (the hub then knows that package, with the row's
 * on-hand quantity), so orders of it can be fulfilled.
 */
export async function freshStock(env: OrdersEnv, onHand: number) {
  const tag = randomUUID().slice(0, 8).toUpperCase();
  const label = newLabel();
  const product = await call(env, env.admin, 'POST', '/products', { entity_id: env.world.wholesaler.id, name: `Test product ${tag}`, category: 'Flower' });
  const variant = await call(env, env.admin, 'POST', '/product-variants', { product_id: product.body.id, sku: `T-${tag}`, name: '1g', price_minor: 1000 });
  const stock = await call(env, env.admin, 'POST', '/inventory', { variant_id: variant.body.id, location_id: env.world.warehouse.id, quantity_on_hand: onHand, metrc_package_label: label });
  if (stock.status !== 201) throw new Error(`stock: ${stock.status} ${JSON.stringify(stock.body)}`);
  labelOfVariant.set(variant.body.id as string, label);
  return { variantId: variant.body.id as string, inventoryId: stock.body.id as string, productId: product.body.id as string, label };
}

export async function placeOrder(env: OrdersEnv, lines: Array<{ variant_id: string; quantity: number }>, headers = env.retailer, extra: Headers = {}) {
  const r = await call(
    env,
    headers,
    'POST',
    '/orders',
    {
      retailer_id: env.world.retailer.id,
      wholesaler_id: env.world.wholesaler.id,
      ship_from_location_id: env.world.warehouse.id,
      ship_to_location_id: env.world.store.id,
      items: lines,
    },
    extra,
  );
  if (r.status !== 201) throw new Error(`POST /orders → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export const transition = (env: OrdersEnv, headers: Headers, orderId: string, body: Record<string, unknown>) =>
  call(env, headers, 'POST', `/orders/${orderId}/transitions`, body);

/** The package label of every line of an order: its variant's stock row from freshStock. */
export function labelsFor(order: { items: Array<{ id: string; variant_id?: string }> }) {
  return order.items.map((i) => {
    const label = i.variant_id ? labelOfVariant.get(i.variant_id) : undefined;
    if (!label) throw new Error(`line ${i.id}: its variant has no labelled stock row (use freshStock)`);
    return { item_id: i.id, metrc_package_label: label };
  });
}

export async function stockOf(env: OrdersEnv, inventoryId: string) {
  const [rows] = await env.deps.sequelize.query('SELECT quantity_on_hand AS on_hand, quantity_reserved AS reserved FROM inventory WHERE id = ?', { replacements: [inventoryId] });
  const r = (rows as Array<{ on_hand: number; reserved: number }>)[0]!;
  return { onHand: Number(r.on_hand), reserved: Number(r.reserved) };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function streamEventsFor(env: OrdersEnv, orderId: string) {
  const entries = (await env.deps.redis.xrange('trellis:events', '-', '+')) as Array<[string, string[]]>;
  return entries
    .map(([, fields]) => Object.fromEntries(fields.reduce<Array<[string, string]>>((acc, v, i) => (i % 2 ? acc : [...acc, [v, fields[i + 1]!]]), [])))
    .filter((e) => e.order_id === orderId);
}
