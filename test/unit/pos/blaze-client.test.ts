import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createConnector } from '../../../integrations/pos/index.js';
import {
  PosAuthError,
  PosProtocolError,
  PosRateLimitError,
  PosUnavailableError,
} from '../../../integrations/pos/errors.js';
import { collect, itemErrors, items, posFailure, strictNock } from './helpers.js';

const HOST = 'https://api.partners.blaze.me';
const PREFIX = '/api/v1/partner';
const PARTNER_KEY = 'partner-SECRET-1';
const STORE_KEY = 'store-SECRET-2';

const connector = () =>
  createConnector({
    vendor: 'blaze',
    baseUrl: `${HOST}${PREFIX}`,
    credentials: { partnerKey: PARTNER_KEY, storeKey: STORE_KEY },
    timeoutMs: 500,
  });

const api = () => nock(HOST).matchHeader('partner_key', PARTNER_KEY).matchHeader('authorization', STORE_KEY);

const product = (id: string, modified: number, over: Record<string, unknown> = {}) => ({
  id,
  sku: `SKU-${id}`,
  name: `Product ${id}`,
  category: { name: 'Flower', unitType: 'grams' },
  brandName: 'Old Pal',
  unitPrice: 45.5,
  weightPerUnit: 'FULL_GRAM',
  quantities: [
    { inventoryId: 'room-a', quantity: 3 },
    { inventoryId: 'room-b', quantity: 4.5 },
  ],
  totalSellableQuantity: 7.5,
  modified,
  ...over,
});

const envelope = (values: unknown[], skip: number, limit: number, total?: number) => ({
  values,
  skip,
  limit,
  ...(total === undefined ? {} : { total }),
});

strictNock();

describe('BLAZE connector against the documented wire format', () => {
  it('proves credentials with partner_key + Authorization headers on /store/inventory/inventories', async () => {
    api()
      .get(`${PREFIX}/store/inventory/inventories`)
      .reply(200, envelope([{ id: 'room-a', name: 'Floor' }], 0, 1, 1));
    expect(await connector().whoami()).toEqual({ vendor: 'blaze' });
  });

  it('maps a product: cents, unit, brand, category, sellable quantity, modified; no package label', async () => {
    const modified = Date.UTC(2024, 5, 1, 10);
    api()
      .get(`${PREFIX}/products/modified`)
      .query({ startDate: '0', endDate: '1717236000000', skip: '0', limit: '50' })
      .reply(
        200,
        envelope(
          [
            product('p1', modified),
            product('p2', modified, {
              totalSellableQuantity: undefined,
              category: { name: 'Vapes', unitType: 'units' },
            }),
          ],
          0,
          50,
          2,
        ),
      );
    const pages = await collect(connector().changes(undefined, { pageSize: 50, now: 1717236000000 }));
    const [p1, p2] = items(pages.flatMap((p) => p.results));
    expect(p1).toEqual({
      vendorItemId: 'p1',
      sku: 'SKU-p1',
      name: 'Product p1',
      category: 'Flower',
      brand: 'Old Pal',
      unitOfMeasure: 'g',
      priceMinor: 4550,
      currency: 'USD',
      quantity: 7.5,
      modifiedAt: '2024-06-01T10:00:00.000Z',
    });
    expect(p2).toMatchObject({ unitOfMeasure: 'each', category: 'Vapes', quantity: 7.5 });
  });

  it('pages with skip/limit until total is reached, even when the server caps the page size', async () => {
    const now = 1_800_000_000_000;
    const seen: number[] = [];
    for (const [skip, ids] of [
      [0, ['a', 'b']],
      [2, ['c', 'd']],
      [4, ['e']],
    ] as const) {
      api()
        .get(`${PREFIX}/products/modified`)
        .query(
          (q) => q.skip === String(skip) && q.limit === '10' && q.startDate === '1000' && q.endDate === String(now),
        )
        .reply(200, () => {
          seen.push(skip);
          return envelope(
            ids.map((id, k) => product(id, 1000 + skip + k)),
            skip,
            2,
            5,
          );
        });
    }
    const pages = await collect(connector().changes({ since: 1000 }, { pageSize: 10, now }));
    expect(seen).toEqual([0, 2, 4]);
    expect(pages.map((p) => p.results.length)).toEqual([2, 2, 1]);
    expect(pages.map((p) => p.next)).toEqual([undefined, undefined, { since: 1004 }]);
    expect(pages[1]?.resume).toMatchObject({ since: 1000, until: now, skip: 4, maxModified: 1003, total: 5 });
  });

  it('stops on a short page when the envelope has no total', async () => {
    api()
      .get(`${PREFIX}/products/modified`)
      .query((q) => q.skip === '0')
      .reply(200, envelope([product('a', 5), product('b', 6)], 0, 2));
    api()
      .get(`${PREFIX}/products/modified`)
      .query((q) => q.skip === '2')
      .reply(200, envelope([product('c', 7)], 2, 2));
    const pages = await collect(connector().changes({ since: 0 }, { pageSize: 2, now: 10 }));
    expect(pages.flatMap((p) => p.results)).toHaveLength(3);
    expect(pages.at(-1)?.next).toEqual({ since: 7 });
  });

  it('stops on an empty page', async () => {
    api()
      .get(`${PREFIX}/products/modified`)
      .query(true)
      .reply(200, envelope([], 0, 2, 0));
    const pages = await collect(connector().changes({ since: 123 }, { pageSize: 2, now: 200 }));
    expect(pages).toEqual([
      { results: [], resume: { since: 123, until: 200, skip: 0, maxModified: 123, total: 0 }, next: { since: 123 } },
    ]);
  });

  it('resumes from a resume point at its skip offset', async () => {
    api()
      .get(`${PREFIX}/products/modified`)
      .query({ startDate: '100', endDate: '900', skip: '4', limit: '2' })
      .reply(200, envelope([product('e', 500)], 4, 2, 5));
    const pages = await collect(
      connector().changes({ since: 100, until: 900, skip: 4, maxModified: 450, total: 5 }, { pageSize: 2 }),
    );
    expect(pages.at(-1)?.next).toEqual({ since: 500 });
  });

  it('does not advance the cursor when the window shifted under paging', async () => {
    api()
      .get(`${PREFIX}/products/modified`)
      .query((q) => q.skip === '0')
      .reply(200, envelope([product('a', 50), product('b', 60)], 0, 2, 4));
    // an item left the window between requests: total drops and offsets shift
    api()
      .get(`${PREFIX}/products/modified`)
      .query((q) => q.skip === '2')
      .reply(200, envelope([product('d', 80)], 2, 2, 3));
    const pages = await collect(connector().changes({ since: 10 }, { pageSize: 2, now: 100 }));
    expect(pages.at(-1)?.resume.windowShifted).toBe(true);
    expect(pages.at(-1)?.next).toEqual({ since: 10 });
  });

  it('yields malformed products as item errors next to good ones', async () => {
    api()
      .get(`${PREFIX}/products/modified`)
      .query(true)
      .reply(
        200,
        envelope(
          [
            product('ok1', 1),
            product('bad-price', 1, { unitPrice: 'N/A' }),
            product('no-cat', 1, { category: null }),
            { ...product('x', 1), id: undefined },
            product('no-qty', 1, {
              totalSellableQuantity: undefined,
              quantities: [{ inventoryId: 'r', quantity: 'lots' }],
            }),
            product('ok2', 1),
          ],
          0,
          10,
          6,
        ),
      );
    const results = (await collect(connector().changes({ since: 0 }, { pageSize: 10, now: 5 }))).flatMap(
      (p) => p.results,
    );
    expect(items(results).map((i) => i.vendorItemId)).toEqual(['ok1', 'ok2']);
    expect(itemErrors(results).map((e) => e.vendorItemId)).toEqual(['bad-price', 'no-cat', undefined, 'no-qty']);
    expect(itemErrors(results)[1]?.reason).toMatch(/unitType/);
  });

  it('rejects a list body without the values envelope as PosProtocolError', async () => {
    api()
      .get(`${PREFIX}/products/modified`)
      .query(true)
      .reply(200, [product('a', 1)]);
    const err = await posFailure(collect(connector().changes()));
    expect(err).toBeInstanceOf(PosProtocolError);
  });

  it('maps 401 to PosAuthError without leaking keys', async () => {
    nock(HOST).get(`${PREFIX}/store/inventory/inventories`).reply(401, { message: 'Invalid partner key' });
    const err = await posFailure(connector().whoami(), [PARTNER_KEY, STORE_KEY]);
    expect(err).toBeInstanceOf(PosAuthError);
    expect(err).toMatchObject({ type: 'PosAuthError', retryable: false, vendor: 'blaze', status: 401 });
  });

  it('maps 429 to PosRateLimitError with an HTTP-date Retry-After', async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    api().get(`${PREFIX}/products/modified`).query(true).reply(429, {}, { 'Retry-After': at });
    const err = await posFailure(collect(connector().changes()));
    expect(err).toBeInstanceOf(PosRateLimitError);
    const retryAfterMs = (err as PosRateLimitError).retryAfterMs ?? 0;
    expect(retryAfterMs).toBeGreaterThan(100_000);
    expect(retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it('maps 502 to PosUnavailableError', async () => {
    api().get(`${PREFIX}/transactions`).query(true).reply(502, 'bad gateway');
    const err = await posFailure(collect(connector().sales({ since: 0 })));
    expect(err).toBeInstanceOf(PosUnavailableError);
    expect(err.status).toBe(502);
  });

  it('reads transactions by MM/dd/yyyy day window and maps final statuses, skipping open ones', async () => {
    const since = Date.UTC(2024, 2, 10, 15);
    const now = Date.UTC(2024, 2, 12, 9);
    let query: Record<string, unknown> = {};
    const tx = (id: string, status: string, modified: number, over: Record<string, unknown> = {}) => ({
      id,
      transNo: id,
      status,
      transType: 'Sale',
      processedTime: modified,
      modified,
      cart: {
        subTotal: 10,
        totalDiscount: 0,
        tax: 1.5,
        total: 11.5,
        items: [
          {
            productId: 'p1',
            productSku: 'SKU-p1',
            quantity: 2,
            unitPrice: 5,
            finalPrice: 10,
            batchId: 'b1',
            status: 'Active',
          },
        ],
      },
      traceSubmitStatus: 'Submitted',
      ...over,
    });
    api()
      .get(`${PREFIX}/transactions`)
      .query((q) => ((query = q), true))
      .reply(
        200,
        envelope(
          [
            tx('old', 'Completed', since - 1),
            tx('t1', 'Completed', since + 1),
            tx('t2', 'Void', since + 2),
            tx('t3', 'RefundWithoutInventory', since + 3),
            tx('t4', 'InProgress', since + 4),
            tx('t5', 'Canceled', since + 5),
            tx('t6', 'Completed', since + 6, { processedTime: undefined }),
          ],
          0,
          100,
          7,
        ),
      );
    const pages = await collect(connector().sales({ since }, { now, pageSize: 100 }));
    expect(query).toEqual({ startDate: '03/09/2024', endDate: '03/13/2024', skip: '0', limit: '100' });
    const results = pages.flatMap((p) => p.results);
    const sales = results.flatMap((r) => (r.ok ? [r.sale] : []));
    expect(sales.map((s) => [s.vendorSaleId, s.status])).toEqual([
      ['t1', 'completed'],
      ['t2', 'voided'],
      ['t3', 'returned'],
      ['t5', 'voided'],
    ]);
    expect(sales[0]).toEqual({
      vendorSaleId: 't1',
      completedAt: new Date(since + 1).toISOString(),
      status: 'completed',
      complianceStatus: 'Submitted',
      lines: [{ vendorItemId: 'p1', sku: 'SKU-p1', quantity: 2, unitPriceMinor: 500, totalMinor: 1000 }],
    });
    expect(results.filter((r) => !r.ok)).toMatchObject([{ ok: false, vendorSaleId: 't6' }]);
    expect(pages.at(-1)?.next).toEqual({ since: since + 6 });
  });
});
