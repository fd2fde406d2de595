import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { ApiDeps } from '../../../api/deps.js';
import { DEMO_BLAZE_CREDENTIALS, DEMO_DUTCHIE_CREDENTIALS } from '../../../sandboxes/pos/demo-credentials.js';
import { NON_RETRYABLE_ERROR_TYPES, temporalSettings } from '../../../temporal.config.js';
import { posSync, type PosSyncInput, type PosSyncResult } from '../../../workflows/posSync.js';
import { createWorld, request } from '../../support/fixtures.js';

/** Fast retries so fault tests finish quickly; same non-retryable types as production. */
export const FAST_RETRY = {
  initialInterval: 200,
  backoffCoefficient: 1.5,
  maximumAttempts: 5,
  maximumInterval: 1000,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

export const credentialsFor = (vendor: 'dutchie' | 'blaze') =>
  vendor === 'dutchie'
    ? { location_key: DEMO_DUTCHIE_CREDENTIALS.locationKey, integrator_key: DEMO_DUTCHIE_CREDENTIALS.integratorKey }
    : { partner_key: DEMO_BLAZE_CREDENTIALS.partnerKey, store_key: DEMO_BLAZE_CREDENTIALS.storeKey };

/**
 * Lets the API under test reach a sandbox on a random port, as POS_ALLOWED_HOSTS names a vendor
 * host in a deployment (base_url is refused for any host not on the allowlist).
 */
export function allowPosHost(deps: ApiDeps, url: string): void {
  deps.config.security.posAllowedHosts.push(new URL(url).host);
}

/** A fresh entity + location and a connection to the sandbox at `baseUrl` (paused unless asked). */
export async function connect(
  api: string,
  headers: Record<string, string>,
  vendor: 'dutchie' | 'blaze',
  baseUrl: string,
  extra: Record<string, unknown> = {},
) {
  const world = await createWorld(api, headers);
  const res = await request(
    api,
    'POST',
    '/pos-connections',
    {
      entity_id: world.wholesaler.id,
      location_id: world.warehouse.id,
      vendor,
      credentials: credentialsFor(vendor),
      base_url: baseUrl,
      interval_seconds: 3600,
      paused: true,
      ...extra,
    },
    headers,
  );
  if (res.status !== 201) throw new Error(`create connection → ${res.status} ${JSON.stringify(res.body)}`);
  return { world, connection: res.body };
}

export function runSync(client: Client, deps: ApiDeps, connectionId: string, extra: Partial<PosSyncInput> = {}): Promise<PosSyncResult> {
  return client.workflow.execute(posSync, {
    taskQueue: temporalSettings(deps.config).taskQueues.sync,
    workflowId: `pos-sync-test:${connectionId}:${randomUUID()}`,
    args: [{ connectionId, retry: FAST_RETRY, heartbeatTimeoutMs: 5000, ...extra }],
  });
}

export async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const rows = <T extends object>(sequelize: Sequelize, sql: string, replacements: unknown[]) =>
  sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });

export async function stockOf(sequelize: Sequelize, connectionId: string, vendorIds: string[]) {
  return rows<{ vendor_item_id: string; quantity_on_hand: number; pos_quantity: string; price_minor: string; metrc_package_label: string | null; id: string }>(
    sequelize,
    `SELECT i.id, i.vendor_item_id, i.quantity_on_hand, i.pos_quantity, i.metrc_package_label, v.price_minor
       FROM inventory i JOIN product_variants v ON v.id = i.variant_id
      WHERE i.pos_connection_id = ? AND i.vendor_item_id IN (?)`,
    [connectionId, vendorIds],
  );
}

export async function countFor(sequelize: Sequelize, connectionId: string, entityId: string) {
  const [r] = await rows<{ inventory: number; products: number; variants: number; dup_skus: number }>(
    sequelize,
    `SELECT (SELECT COUNT(*) FROM inventory WHERE pos_connection_id = ?) AS inventory,
            (SELECT COUNT(*) FROM products WHERE entity_id = ? AND pos_sync_key IS NOT NULL) AS products,
            (SELECT COUNT(*) FROM product_variants WHERE entity_id = ?) AS variants,
            (SELECT COUNT(*) FROM (SELECT vendor_item_id FROM inventory WHERE pos_connection_id = ? AND vendor_item_id IS NOT NULL GROUP BY vendor_item_id HAVING COUNT(*) > 1) d) AS dup_skus`,
    [connectionId, entityId, entityId, connectionId],
  );
  return { inventory: Number(r!.inventory), products: Number(r!.products), variants: Number(r!.variants), duplicates: Number(r!.dup_skus) };
}

export async function mutate(sandboxUrl: string, body: Record<string, number>) {
  const res = await fetch(`${sandboxUrl}/__sandbox/mutate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as { changed: string[]; removed: string[]; added: string[] };
}

export async function setFaults(sandboxUrl: string, faults: Record<string, unknown>) {
  const res = await fetch(`${sandboxUrl}/__sandbox/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`faults → ${res.status}`);
}
