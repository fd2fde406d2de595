/**
 * Demo POS connections for `npm start` (never in production, only with the local sandboxes):
 * once the hub answers, two sandbox retailers get a connection each — one to the Dutchie sandbox,
 * one to BLAZE — on a one-minute schedule whose first run starts at once, reporting their sales to
 * the METRC sandbox. They are made through the API as the demo admin would make them in the console (signed
 * in with the demo password and TOTP secret), so they carry audit entries and real schedules.
 * Idempotent: nothing is done when any POS connection exists.
 */
import { authenticator } from 'otplib';
import { DEMO_FACILITIES } from '../sandboxes/metrc/demo-data.js';
import { BLAZE_SANDBOX_PREFIX } from '../sandboxes/pos/blaze.js';
import { DEMO_BLAZE_CREDENTIALS, DEMO_DUTCHIE_CREDENTIALS } from '../sandboxes/pos/demo-credentials.js';
import { assertDemoSeedAllowed } from '../db/seed/guard.js';
import { DEMO_STAFF, DEMO_TOTP_SECRET } from '../db/seed/users.js';
import type { Config } from '../platform/config.js';

type Json = Record<string, unknown>;

/** A minimal cookie-keeping client for the hub's API (session cookie plus the CSRF header on writes). */
export function apiClient(base: string) {
  const jar = new Map<string, string>();
  return async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const csrf = jar.get('trellis_csrf');
    if (method !== 'GET' && csrf) headers['x-csrf-token'] = decodeURIComponent(csrf);
    const res = await fetch(`${base}/api/v1${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      if (k) jar.set(k.trim(), v.join('='));
    }
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
  };
}

export async function connectDemoPos(cfg: Config, base: string): Promise<number> {
  assertDemoSeedAllowed(cfg.nodeEnv);
  if (!cfg.sandboxes.enabled) return 0;
  const call = apiClient(base);
  const admin = DEMO_STAFF.find((s) => s.role === 'admin')!;
  const login = await call('POST', '/auth/login', { email: admin.email, password: admin.password });
  // The demo admin was changed or removed: someone uses this hub for real; leave it alone.
  if (login.status !== 200) return 0;
  const mfa = await call('POST', '/auth/mfa/verify', { code: authenticator.generate(DEMO_TOTP_SECRET) });
  if (mfa.status !== 200) return 0;

  const existing = await call('GET', '/pos-connections?limit=1');
  if (existing.status !== 200 || Number((existing.body.pagination as Json | undefined)?.total ?? 1) > 0) return 0;

  const retailers = DEMO_FACILITIES.filter((f) => f.role === 'retailer').slice(0, 2);
  const vendors = [
    { vendor: 'dutchie', base: `http://127.0.0.1:${cfg.sandboxes.dutchiePort}`, credentials: { location_key: DEMO_DUTCHIE_CREDENTIALS.locationKey, integrator_key: DEMO_DUTCHIE_CREDENTIALS.integratorKey } },
    // BLAZE's partner API lives under a path prefix, in the sandbox as at the vendor.
    { vendor: 'blaze', base: `http://127.0.0.1:${cfg.sandboxes.blazePort}${BLAZE_SANDBOX_PREFIX}`, credentials: { partner_key: DEMO_BLAZE_CREDENTIALS.partnerKey, store_key: DEMO_BLAZE_CREDENTIALS.storeKey } },
  ] as const;
  const entities = await call('GET', '/entities?limit=100&type=retailer');
  let made = 0;
  for (const [i, facility] of retailers.entries()) {
    const entity = (entities.body.data as Json[] | undefined)?.find((e) => e.license_number === facility.licenseNumber);
    if (!entity) continue;
    const sites = await call('GET', `/locations?entity_id=${String(entity.id)}&limit=10`);
    const site = (sites.body.data as Json[] | undefined)?.find((l) => l.license_number === facility.licenseNumber) ?? (sites.body.data as Json[] | undefined)?.[0];
    if (!site) continue;
    const v = vendors[i % vendors.length]!;
    const created = await call('POST', '/pos-connections', {
      entity_id: entity.id,
      location_id: site.id,
      vendor: v.vendor,
      name: `${String(entity.name)} · ${v.vendor === 'dutchie' ? 'Dutchie' : 'BLAZE'} (sandbox)`,
      credentials: v.credentials,
      base_url: v.base,
      interval_seconds: 60,
      // The sandboxes' till trickle sells packages METRC holds for this licence (sandboxes/pos/demo.ts),
      // with a small share METRC refuses for compliance staff to fix; BLAZE's store reports its own
      // sales (its trace status), which the hub then leaves alone.
      report_sales: true,
    });
    if (created.status !== 201) throw new Error(`POS connection for ${facility.licenseNumber}: ${created.status} ${JSON.stringify(created.body)}`);
    // The schedule's first run would wait a minute: start one now so the console has a run to show.
    await call('POST', `/pos-connections/${String(created.body.id)}/run-now`);
    made += 1;
  }
  await call('POST', '/auth/logout');
  return made;
}
