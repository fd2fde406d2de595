import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BLAZE_SANDBOX_PREFIX, createBlazeSandbox } from '../../../sandboxes/pos/blaze.js';
import { DEMO_BLAZE_CREDENTIALS } from '../../../sandboxes/pos/demo-credentials.js';
import { PosAuthError, PosUnavailableError } from '../../../integrations/pos/errors.js';
import { type ChangePage, createConnector, type IncrementalConnector } from '../../../integrations/pos/index.js';
import { collect, itemErrors, items, posFailure } from './helpers.js';

let url: string;
let close: () => Promise<void>;
let blaze: IncrementalConnector;

async function admin(method: 'PUT' | 'POST', path: string, body: unknown): Promise<Record<string, string[]>> {
  const res = await fetch(`${url}/__sandbox/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, string[]>;
}

const results = (pages: ChangePage[]) => pages.flatMap((p) => p.results);

beforeAll(async () => {
  ({ url, close } = await createBlazeSandbox({ items: 100 }).start(0));
  blaze = createConnector({
    vendor: 'blaze',
    baseUrl: `${url}${BLAZE_SANDBOX_PREFIX}`,
    credentials: DEMO_BLAZE_CREDENTIALS,
  });
});
afterAll(() => close());
beforeEach(async () => {
  await admin('PUT', 'faults', { errorRate: 0, rateLimitRate: 0, malformedRate: 0, badCredentials: false });
  await admin('PUT', 'config', { items: 5000, seed: 11, sales: 40 });
});

describe('BLAZE sandbox through the real connector', () => {
  it('accepts the demo keys', async () => {
    expect(await blaze.whoami()).toEqual({ vendor: 'blaze' });
  });

  it('delivers the whole catalogue on a first run, paging by total past the server page cap', async () => {
    // asks for 1000 per page; the sandbox caps at 500, so a page-length check alone would stop after one page
    const pages = await collect(blaze.changes(undefined, { pageSize: 1000 }));
    expect(pages).toHaveLength(10);
    const all = items(results(pages));
    expect(all).toHaveLength(5000);
    expect(new Set(all.map((i) => i.vendorItemId)).size).toBe(5000);
    const maxModified = Math.max(...all.map((i) => Date.parse(i.modifiedAt ?? '')));
    expect(pages.at(-1)?.next).toEqual({ since: maxModified });
  });

  it('returns only what changed since the cursor after a mutation', async () => {
    const first = await collect(blaze.changes(undefined, { pageSize: 500 }));
    const cursor = first.at(-1)?.next;
    expect(cursor).toBeDefined();
    const m = await admin('POST', 'mutate', { changed: 4, removed: 3, added: 2 });

    const second = items(results(await collect(blaze.changes(cursor, { pageSize: 500 }))));
    // the start is inclusive, so the item sitting exactly at the cursor is read again
    const fresh = second.filter((i) => Date.parse(i.modifiedAt ?? '') > (cursor?.since ?? 0));
    const expected = [...(m.changed ?? []), ...(m.removed ?? []), ...(m.added ?? [])];
    expect(fresh.map((i) => i.vendorItemId).sort()).toEqual(expected.sort());
    expect(second.length - fresh.length).toBeLessThanOrEqual(1);
    for (const id of m.removed ?? []) expect(second.find((i) => i.vendorItemId === id)?.quantity).toBe(0);
  });

  it('continues an interrupted run from its resume point without gaps or repeats', async () => {
    const now = Date.now();
    const pages: ChangePage[] = [];
    for await (const p of blaze.changes(undefined, { pageSize: 300, now })) {
      pages.push(p);
      if (pages.length === 3) break;
    }
    const rest = await collect(blaze.changes(pages.at(-1)?.resume, { pageSize: 300 }));
    const ids = [...results(pages), ...results(rest)].flatMap((r) => (r.ok ? [r.item.vendorItemId] : []));
    expect(ids).toHaveLength(5000);
    expect(new Set(ids).size).toBe(5000);
  });

  it('rejects wrong keys and revoked keys with PosAuthError', async () => {
    const wrong = createConnector({
      vendor: 'blaze',
      baseUrl: `${url}${BLAZE_SANDBOX_PREFIX}`,
      credentials: { ...DEMO_BLAZE_CREDENTIALS, storeKey: 'other-store' },
    });
    expect(await posFailure(wrong.whoami())).toBeInstanceOf(PosAuthError);
    await admin('PUT', 'faults', { badCredentials: true });
    expect(await posFailure(collect(blaze.changes()))).toBeInstanceOf(PosAuthError);
  });

  it('serves a malformed share as item errors on otherwise good pages', async () => {
    await admin('PUT', 'faults', { malformedRate: 0.05 });
    const all = results(await collect(blaze.changes(undefined, { pageSize: 500 })));
    expect(all).toHaveLength(5000);
    const errors = itemErrors(all);
    expect(errors.length).toBeGreaterThan(150);
    expect(errors.length).toBeLessThan(350);
  });

  it('injects server errors', async () => {
    await admin('PUT', 'faults', { errorRate: 1 });
    expect(await posFailure(blaze.whoami())).toBeInstanceOf(PosUnavailableError);
  });

  it('returns sales since a cursor and picks up new ones next time', async () => {
    const firstRun = await collect(blaze.sales(undefined, { pageSize: 15 }));
    expect(firstRun.length).toBeGreaterThanOrEqual(3);
    const firstSales = firstRun.flatMap((p) => p.results);
    expect(firstSales).toHaveLength(40);
    expect(firstSales.every((r) => r.ok)).toBe(true);
    const m = await admin('POST', 'mutate', { sales: 2 });
    const second = (await collect(blaze.sales(firstRun.at(-1)?.next))).flatMap((p) => p.results);
    const ids = second.flatMap((r) => (r.ok ? [r.sale.vendorSaleId] : []));
    // the newest old sale sits exactly at the cursor and is read again
    expect(ids).toEqual(expect.arrayContaining(m.sales ?? []));
    expect(ids.length).toBeLessThanOrEqual(3);
  });
});
