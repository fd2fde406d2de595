import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_DUTCHIE_CREDENTIALS } from '../../../sandboxes/pos/demo-credentials.js';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import { PosAuthError, PosRateLimitError, PosUnavailableError } from '../../../integrations/pos/errors.js';
import { createConnector, type ItemResult, type SnapshotConnector } from '../../../integrations/pos/index.js';
import { collect, itemErrors, items, posFailure } from './helpers.js';

let url: string;
let close: () => Promise<void>;
let dutchie: SnapshotConnector;

async function admin(method: 'PUT' | 'POST', path: string, body: unknown): Promise<Record<string, string[]>> {
  const res = await fetch(`${url}/__sandbox/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, string[]>;
}

async function snapshot(c: SnapshotConnector = dutchie): Promise<ItemResult[]> {
  return (await collect(c.snapshot({ chunkSize: 1000 }))).flat();
}

beforeAll(async () => {
  ({ url, close } = await createDutchieSandbox({ items: 100, sales: 50 }).start(0));
  dutchie = createConnector({ vendor: 'dutchie', baseUrl: url, credentials: DEMO_DUTCHIE_CREDENTIALS });
});
afterAll(() => close());
beforeEach(async () => {
  await admin('PUT', 'faults', { errorRate: 0, rateLimitRate: 0, malformedRate: 0, badCredentials: false, slowMs: 0 });
  await admin('PUT', 'config', { items: 5000, seed: 7, sales: 50 });
});

describe('Dutchie sandbox through the real connector', () => {
  it('identifies the demo location', async () => {
    expect(await dutchie.whoami()).toMatchObject({ vendor: 'dutchie', locationId: '1001', state: 'CA' });
  });

  it('serves a full snapshot of exactly the configured size, all well-formed, with brands and METRC tags', async () => {
    const all = items(await snapshot());
    expect(all).toHaveLength(5000);
    expect(new Set(all.map((i) => i.vendorItemId)).size).toBe(5000);
    expect(all.every((i) => Number.isInteger(i.priceMinor) && i.brand !== null && i.packageLabel?.length === 24)).toBe(
      true,
    );
  });

  it('is deterministic for a seed', async () => {
    const a = items(await snapshot());
    const b = items(await snapshot());
    expect(b).toEqual(a);
  });

  it('reflects mutations: removed items disappear, added appear, changed ones differ', async () => {
    const before = new Map(items(await snapshot()).map((i) => [i.vendorItemId, i]));
    const m = await admin('POST', 'mutate', { changed: 5, removed: 3, added: 2 });
    expect([m.changed?.length, m.removed?.length, m.added?.length]).toEqual([5, 3, 2]);
    const after = new Map(items(await snapshot()).map((i) => [i.vendorItemId, i]));
    expect(after.size).toBe(5000 - 3 + 2);
    for (const id of m.removed ?? []) expect(after.has(id)).toBe(false);
    for (const id of m.added ?? []) expect(before.has(id) || !after.has(id)).toBe(false);
    for (const id of m.changed ?? []) {
      const [was, now] = [before.get(id), after.get(id)];
      expect(now?.priceMinor).not.toBe(was?.priceMinor);
      expect(now?.quantity).not.toBe(was?.quantity);
      expect(Date.parse(now?.modifiedAt ?? '')).toBeGreaterThan(Date.parse(was?.modifiedAt ?? ''));
    }
    const untouched = [...before.keys()].filter((id) => ![...(m.changed ?? []), ...(m.removed ?? [])].includes(id));
    expect(untouched.every((id) => JSON.stringify(after.get(id)) === JSON.stringify(before.get(id)))).toBe(true);
  });

  it('rejects wrong credentials and revoked keys with PosAuthError', async () => {
    const wrong = createConnector({ vendor: 'dutchie', baseUrl: url, credentials: { locationKey: 'nope' } });
    expect(await posFailure(wrong.whoami())).toBeInstanceOf(PosAuthError);
    await admin('PUT', 'faults', { badCredentials: true });
    expect(await posFailure(snapshot())).toBeInstanceOf(PosAuthError);
  });

  it('serves a malformed share of items as item errors without failing the snapshot', async () => {
    await admin('PUT', 'faults', { malformedRate: 0.1 });
    const results = await snapshot();
    const errors = itemErrors(results);
    expect(results).toHaveLength(5000);
    expect(errors.length).toBeGreaterThan(300);
    expect(errors.length).toBeLessThan(700);
    expect(errors.every((e) => e.reason.length > 0)).toBe(true);
  });

  it('injects 429 with Retry-After and 5xx', async () => {
    await admin('PUT', 'faults', { rateLimitRate: 1, retryAfterSeconds: 3 });
    const limited = await posFailure(dutchie.whoami());
    expect(limited).toBeInstanceOf(PosRateLimitError);
    expect((limited as PosRateLimitError).retryAfterMs).toBe(3000);
    await admin('PUT', 'faults', { rateLimitRate: 0, errorRate: 1 });
    expect(await posFailure(dutchie.whoami())).toBeInstanceOf(PosUnavailableError);
  });

  it('returns sales since a cursor, then only newer ones (within the overlap) on the next run', async () => {
    const firstRun = await collect(dutchie.sales());
    const sales = firstRun.flatMap((p) => p.results);
    expect(sales).toHaveLength(50);
    expect(sales.every((r) => r.ok && r.sale.lines.length > 0)).toBe(true);
    const cursor = firstRun.at(-1)?.next;
    expect(cursor).toBeDefined();
    const m = await admin('POST', 'mutate', { sales: 3 });
    const second = (await collect(dutchie.sales(cursor))).flatMap((p) => p.results);
    const ids = second.flatMap((r) => (r.ok ? [r.sale.vendorSaleId] : []));
    expect(ids).toEqual(expect.arrayContaining(m.sales ?? []));
    // only what the 60 s overlap re-reads besides the new ones
    expect(ids.length).toBeLessThanOrEqual(3 + 2);
  });

  it('enforces the one-filter-group rule on /reporting/transactions with a ValidationResult', async () => {
    const auth = `Basic ${Buffer.from(`${DEMO_DUTCHIE_CREDENTIALS.locationKey}:${DEMO_DUTCHIE_CREDENTIALS.integratorKey}`).toString('base64')}`;
    const res = await fetch(
      `${url}/reporting/transactions?FromDateUTC=2024-01-01T00:00:00Z&FromLastModifiedDateUTC=2024-01-01T00:00:00Z`,
      { headers: { authorization: auth } },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ isValid: false, errors: [{ propertyName: 'Filter' }] });
  });

  it('validates admin input', async () => {
    const res = await fetch(`${url}/__sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 2 }),
    });
    expect(res.status).toBe(400);
  });
});
