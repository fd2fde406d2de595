/**
 * Day one of a new customer, through the outside doors only (issue 15): a freshly migrated
 * database, `npm run create-admin` in production mode, the admin signs in with the printed TOTP,
 * registers a wholesaler and a retailer, invites their owners, who choose passwords from their
 * links and sign in; the wholesaler's owner stores the licence's METRC key and tests it against
 * the METRC sandbox; the admin connects the wholesaler's warehouse to the Dutchie sandbox (only
 * staff may name a base URL), the first sync runs on the `sync` queue and fills the catalogue; the
 * retailer's owner finds the synced stock in the catalogue and places the first order from it.
 */
import { execFile } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../../api/deps.js';
import { dropDatabase } from '../../../db/connection.js';
import { DEMO_USER_KEY } from '../../../sandboxes/metrc/demo-data.js';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import type { RunningSandbox } from '../../../sandboxes/pos/support/serve.js';
import { migrateUp } from '../../../scripts/migrate.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { metrcOverrides, RETAILERS, startSandbox, until as waitFor, WHOLESALERS, type SandboxHandle } from '../metrc/helpers.js';
import { allowPosHost, credentialsFor } from '../pos/helpers.js';

const run = promisify(execFile);
const APP_SECRET = randomUUID() + randomUUID();

describe('onboarding journey on a fresh database', () => {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${url.pathname.slice(1, 40)}_day1`;
  const databaseUrl = url.toString();
  let sandbox: SandboxHandle;
  let deps: ApiDeps;
  let api: RunningApi;
  let pos: RunningSandbox;
  let syncWorker: RunningWorkers;
  const ip = () => `10.77.${randomInt(256)}.${randomInt(1, 250)}`;
  const call = (method: string, path: string, body?: unknown, token?: string) => request(api.url, method, path, body, token ? { authorization: `Bearer ${token}` } : {});
  const ok = <T extends { status: number; body: unknown }>(r: T, status = 200): T => {
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    return r;
  };

  beforeAll(async () => {
    await migrateUp(databaseUrl, true);
    sandbox = await startSandbox();
    deps = createDeps({ DATABASE_URL: databaseUrl, APP_SECRET, ...metrcOverrides(sandbox.running.url) });
    api = await startApi(deps);
    // The vendor's side: a Dutchie store with a small catalogue, reachable as POS_ALLOWED_HOSTS would allow.
    pos = await createDutchieSandbox({ items: 12, sales: 0 }).start(0);
    allowPosHost(deps, pos.url);
    syncWorker = await startWorkers(deps, { queues: ['sync'] });
  });
  afterAll(async () => {
    await syncWorker?.stop();
    await pos?.close();
    await api?.close();
    if (deps) await closeDeps(deps);
    await sandbox?.running.close();
    await dropDatabase(databaseUrl).catch(() => undefined);
  });

  it('create-admin → MFA sign-in → invite owners → set passwords → METRC key works → POS sync → first order', async () => {
    const { stdout } = await run('node_modules/.bin/tsx', ['scripts/create-admin.ts', '--email', 'founder@hub.example'], {
      env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: databaseUrl, APP_SECRET, METRC_BASE_URL: 'https://api-co.metrc.com', LOG_LEVEL: 'silent' },
      timeout: 60_000,
    });
    const password = /password:\s+(\S+)/.exec(stdout)![1]!;
    const secret = /TOTP secret:\s+(\S+)/.exec(stdout)![1]!;

    const login = ok(await request(api.url, 'POST', '/auth/login', { email: 'founder@hub.example', password }, { 'x-forwarded-for': ip() }));
    const admin = login.body.token as string;
    ok(await call('POST', '/auth/mfa/verify', { code: authenticator.generate(secret) }, admin));

    // The admin registers the two licensed businesses and their premises (regulated fields are staff-only).
    const until = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    const wholesaler = ok(await call('POST', '/entities', { type: 'wholesaler', name: 'Peak Wholesale', license_number: WHOLESALERS[0], license_state: 'CO', license_type: 'Wholesale', license_expires_on: until }, admin), 201).body;
    const retailer = ok(await call('POST', '/entities', { type: 'retailer', name: 'Corner Dispensary', license_number: RETAILERS[0], license_state: 'CO', license_type: 'Retail', license_expires_on: until }, admin), 201).body;
    const address = { address_line1: '1 Main St', city: 'Denver', state: 'CO', postal_code: '80202' };
    const warehouse = ok(await call('POST', '/locations', { entity_id: wholesaler.id, name: 'Warehouse', license_number: `${WHOLESALERS[0]}-W`, ...address }, admin), 201).body;
    const store = ok(await call('POST', '/locations', { entity_id: retailer.id, name: 'Store', license_number: `${RETAILERS[0]}-S`, ...address }, admin), 201).body;

    // Each owner gets a link, chooses a password and signs in.
    const onboard = async (email: string, entityId: string, chosen: string) => {
      const inv = ok(await call('POST', '/users', { email, name: email.split('@')[0], role: 'owner', entity_id: entityId }, admin), 201).body;
      ok(await call('POST', '/auth/set-password', { token: inv.invitation.token, password: chosen }), 204);
      return ok(await request(api.url, 'POST', '/auth/login', { email, password: chosen }, { 'x-forwarded-for': ip() })).body.token as string;
    };
    const seller = await onboard('owner@peak.example', wholesaler.id, 'granite-willow-sunrise-3');
    const buyer = await onboard('owner@corner.example', retailer.id, 'meadow-copper-lantern-5');

    // The wholesaler's owner connects the licence to METRC and checks it.
    ok(await call('PUT', `/metrc-credentials/${WHOLESALERS[0]}`, { user_key: DEMO_USER_KEY }, seller));
    const test = ok(await call('POST', `/metrc-credentials/${WHOLESALERS[0]}/test`, undefined, seller)).body;
    expect(test).toMatchObject({ ok: true, metrc_status: 200, credential: { last_test_ok: true } });

    // The admin connects the warehouse to its POS (a vendor base URL is staff-only); the first sync
    // runs on the sync queue and brings the store's products and stock in.
    const connection = ok(
      await call('POST', '/pos-connections', { entity_id: wholesaler.id, location_id: warehouse.id, vendor: 'dutchie', credentials: credentialsFor('dutchie'), base_url: pos.url, interval_seconds: 3600, paused: false }, admin),
      201,
    ).body;
    expect(connection).not.toHaveProperty('credentials');
    ok(await call('POST', `/pos-connections/${connection.id}/run-now`, undefined, seller), 202);
    const firstRun = await waitFor('the first sync run', async () => {
      const runs = ok(await call('GET', `/sync-runs?connection_id=${connection.id}`, undefined, seller)).body.data as Array<{ status: string; counts: Record<string, number> }>;
      return runs.find((r) => r.status !== 'running');
    });
    expect(firstRun).toMatchObject({ status: 'succeeded', counts: { fetched: 12, created: 12, item_errors: 0 } });

    // The retailer's owner finds the synced stock in the catalogue and orders from it.
    const catalog = ok(await call('GET', `/catalog?wholesaler_id=${wholesaler.id}&in_stock=true&limit=100`, undefined, buyer)).body.data as Array<{ variant_id: string; price_minor: number; quantity_available: number; locations: Array<{ location_id: string; quantity_available: number }> }>;
    expect(catalog.length).toBeGreaterThan(0);
    const item = catalog.find((c) => c.locations.some((l) => l.location_id === warehouse.id && l.quantity_available >= 2));
    expect(item, 'a synced item with stock at the warehouse').toBeDefined();
    const order = ok(
      await call('POST', '/orders', { retailer_id: retailer.id, wholesaler_id: wholesaler.id, ship_from_location_id: warehouse.id, ship_to_location_id: store.id, items: [{ variant_id: item!.variant_id, quantity: 2 }] }, buyer),
      201,
    ).body;
    expect(order).toMatchObject({ status: 'submitted', total_minor: 2 * item!.price_minor });
    const seen = ok(await call('GET', `/orders/${order.id}`, undefined, seller)).body;
    expect(seen.id).toBe(order.id);

    const [actions] = await deps.sequelize.query('SELECT action FROM audit_log ORDER BY created_at, id');
    expect((actions as Array<{ action: string }>).map((a) => a.action)).toEqual(expect.arrayContaining(['user.admin_created', 'user.invited', 'user.password_set', 'metrc_credential.stored', 'metrc_credential.tested', 'pos_connection.created']));
  });
});
