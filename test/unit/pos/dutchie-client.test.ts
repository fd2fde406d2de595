import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createConnector } from '../../../integrations/pos/index.js';
import {
  PosAuthError,
  PosProtocolError,
  PosRateLimitError,
  PosUnavailableError,
} from '../../../integrations/pos/errors.js';
import { collect, first, itemErrors, items, netError, posFailure, strictNock } from './helpers.js';

const BASE = 'https://api.pos.dutchie.com';
const LOCATION_KEY = 'loc-SECRET-123';
const INTEGRATOR_KEY = 'int-SECRET-456';
const BASIC = `Basic ${Buffer.from(`${LOCATION_KEY}:${INTEGRATOR_KEY}`).toString('base64')}`;

const connector = (brands: 'lookup' | 'none' = 'none') =>
  createConnector({
    vendor: 'dutchie',
    baseUrl: BASE,
    credentials: { locationKey: LOCATION_KEY, integratorKey: INTEGRATOR_KEY },
    timeoutMs: 500,
    brands,
  });

const TAG = '1A4060300002C35000012345';
const row = (over: Record<string, unknown> = {}) => ({
  inventoryId: 101,
  productId: 9001,
  sku: 'SKU-101',
  productName: 'Blue Dream 3.5g',
  category: 'Flower',
  quantityAvailable: 12.5,
  quantityUnits: 'g',
  unitPrice: 34.99,
  recUnitPrice: 34.99,
  medUnitPrice: 31.5,
  batchId: 5,
  batchName: 'B-5',
  packageId: 'internal-7',
  externalPackageId: TAG,
  packageStatus: 'Active',
  labTestStatus: 'Passed',
  lastModifiedDateUtc: '2024-05-02T08:30:00',
  ...over,
});

strictNock();

describe('Dutchie POS connector against the documented wire format', () => {
  it('identifies the location via GET /whoami with Basic location:integrator key', async () => {
    nock(BASE).get('/whoami').matchHeader('authorization', BASIC).reply(200, {
      locationId: 1234,
      locationName: 'Main St',
      lspId: 9,
      licenseNumber: 'C10-123',
      state: 'CA',
    });
    expect(await connector().whoami()).toEqual({
      vendor: 'dutchie',
      locationId: '1234',
      locationName: 'Main St',
      licenseNumber: 'C10-123',
      state: 'CA',
    });
  });

  it('sends an empty password when there is no integrator key', async () => {
    const basic = `Basic ${Buffer.from(`${LOCATION_KEY}:`).toString('base64')}`;
    nock(BASE).get('/whoami').matchHeader('authorization', basic).reply(200, { locationId: 1 });
    const c = createConnector({ vendor: 'dutchie', baseUrl: BASE, credentials: { locationKey: LOCATION_KEY } });
    expect((await c.whoami()).locationId).toBe('1');
  });

  it('reads /inventory with its documented flags and maps fields, cents and the METRC tag', async () => {
    let query: Record<string, unknown> = {};
    nock(BASE)
      .get('/inventory')
      .matchHeader('authorization', BASIC)
      .query((q) => ((query = q), true))
      .reply(200, [
        row(),
        row({
          inventoryId: 102,
          externalPackageId: '6647128452961736',
          packageId: 'x',
          quantityUnits: 'ea',
          unitPrice: 1.005,
        }),
      ]);
    const chunks = await collect(connector().snapshot());
    expect(query).toEqual({ includeLabResults: 'false', includeRoomQuantities: 'false' });
    const [a, b] = items(chunks.flat());
    expect(a).toEqual({
      vendorItemId: '101',
      sku: 'SKU-101',
      name: 'Blue Dream 3.5g',
      category: 'Flower',
      brand: null,
      unitOfMeasure: 'g',
      priceMinor: 3499,
      currency: 'USD',
      quantity: 12.5,
      packageLabel: TAG,
      modifiedAt: '2024-05-02T08:30:00.000Z',
    });
    expect(b?.priceMinor).toBe(101);
    expect(b?.unitOfMeasure).toBe('each');
    // a BioTrack id is not a METRC package label
    expect(b?.packageLabel).toBeUndefined();
  });

  it('fills brand from /reporting/products, which the inventory rows lack', async () => {
    nock(BASE)
      .get('/reporting/products')
      .reply(200, [
        { productId: 9001, sku: 'SKU-101', productName: 'Blue Dream 3.5g', brandName: 'Sunrise Farms', isActive: true },
        { productId: 9002, sku: 'SKU-102', productName: 'No brand', isActive: true },
      ]);
    nock(BASE)
      .get('/inventory')
      .query(true)
      .reply(200, [row(), row({ inventoryId: 102, productId: 9002 })]);
    const all = items((await collect(connector('lookup').snapshot())).flat());
    expect(all.map((i) => i.brand)).toEqual(['Sunrise Farms', null]);
  });

  it('turns malformed rows into item errors and keeps the good ones', async () => {
    nock(BASE)
      .get('/inventory')
      .query(true)
      .reply(200, [
        row({ inventoryId: 1 }),
        row({ inventoryId: 2, unitPrice: 'N/A', recUnitPrice: null, medUnitPrice: null }),
        row({ inventoryId: undefined }),
        row({ inventoryId: 4, quantityUnits: 'bushel' }),
        'not an object',
        row({ inventoryId: 6, quantityAvailable: null }),
        row({ inventoryId: 7 }),
      ]);
    const results = (await collect(connector().snapshot())).flat();
    expect(items(results).map((i) => i.vendorItemId)).toEqual(['1', '7']);
    const errors = itemErrors(results);
    expect(errors.map((e) => e.vendorItemId)).toEqual(['2', undefined, '4', undefined, '6']);
    expect(errors[0]?.reason).toMatch(/unitPrice/);
    expect(errors[1]?.reason).toMatch(/inventoryId/);
    expect(errors[2]?.reason).toMatch(/bushel/);
    expect(errors[4]?.reason).toMatch(/quantityAvailable/);
  });

  it('yields the snapshot in chunks no larger than chunkSize', async () => {
    const rows = Array.from({ length: 23 }, (_, i) => row({ inventoryId: i + 1 }));
    nock(BASE).get('/inventory').query(true).reply(200, rows);
    const chunks = await collect(connector().snapshot({ chunkSize: 10 }));
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 3]);
  });

  it('reports a body that is not a JSON array as PosProtocolError', async () => {
    nock(BASE).get('/inventory').query(true).reply(200, { items: [] });
    const err = await posFailure(collect(connector().snapshot()));
    expect(err).toBeInstanceOf(PosProtocolError);
    expect(err.type).toBe('PosProtocolError');
  });

  it.each([401, 403])('maps %i to a non-retryable PosAuthError without leaking keys', async (status) => {
    nock(BASE)
      .get('/inventory')
      .query(true)
      .reply(status, { message: 'Authorization has been denied for this request.' });
    const err = await posFailure(collect(connector().snapshot()), [LOCATION_KEY, INTEGRATOR_KEY, BASIC]);
    expect(err).toBeInstanceOf(PosAuthError);
    expect(err).toMatchObject({ type: 'PosAuthError', retryable: false, status, vendor: 'dutchie' });
  });

  it('maps 429 to PosRateLimitError carrying Retry-After', async () => {
    nock(BASE).get('/whoami').reply(429, '', { 'Retry-After': '7' });
    const err = await posFailure(connector().whoami());
    expect(err).toBeInstanceOf(PosRateLimitError);
    expect(err).toMatchObject({ type: 'PosRateLimitError', retryable: true, retryAfterMs: 7000 });
  });

  it.each([500, 503])('maps %i to a retryable PosUnavailableError', async (status) => {
    nock(BASE).get('/inventory').query(true).reply(status, 'kill switch');
    const err = await posFailure(collect(connector().snapshot()));
    expect(err).toBeInstanceOf(PosUnavailableError);
    expect(err).toMatchObject({ type: 'PosUnavailableError', retryable: true, status });
  });

  it('maps a connection reset to PosUnavailableError without leaking keys', async () => {
    nock(BASE).get('/whoami').replyWithError(netError('ECONNRESET'));
    const err = await posFailure(connector().whoami(), [LOCATION_KEY, INTEGRATOR_KEY, BASIC]);
    expect(err).toBeInstanceOf(PosUnavailableError);
    expect(err.message).toContain('ECONNRESET');
  });

  it('maps a timeout to PosUnavailableError', async () => {
    nock(BASE).get('/whoami').delay(2000).reply(200, { locationId: 1 });
    expect(await posFailure(connector().whoami())).toBeInstanceOf(PosUnavailableError);
  });

  it('surfaces a 400 ValidationResult as PosProtocolError naming the field', async () => {
    nock(BASE)
      .get('/reporting/transactions')
      .query(true)
      .reply(400, {
        isValid: false,
        errors: [{ propertyName: 'FromLastModifiedDateUTC', errorMessage: 'is invalid' }],
      });
    const err = await posFailure(collect(connector().sales({ since: 0 })));
    expect(err).toBeInstanceOf(PosProtocolError);
    expect(err.message).toContain('FromLastModifiedDateUTC: is invalid');
  });

  it('reads sales with exactly one filter group (last-modified, with a 60 s overlap) and maps statuses', async () => {
    const since = Date.UTC(2024, 4, 1, 12, 0, 0);
    const now = Date.UTC(2024, 4, 2);
    let query: Record<string, unknown> = {};
    const tx = (id: number, over: Record<string, unknown>) => ({
      transactionId: id,
      transactionDate: '2024-05-01T12:30:00',
      lastModifiedDateUTC: '2024-05-01T12:30:00',
      isVoid: false,
      isReturn: false,
      transactionType: 'Retail',
      subtotal: 20,
      totalDiscount: 0,
      tax: 3,
      total: 23,
      items: [
        {
          transactionItemId: 1,
          productId: 9,
          inventoryId: 101,
          packageId: TAG,
          quantity: 2,
          unitPrice: 9.995,
          totalPrice: 19.99,
        },
      ],
      ...over,
    });
    nock(BASE)
      .get('/reporting/transactions')
      .matchHeader('authorization', BASIC)
      .query((q) => ((query = q), true))
      .reply(200, [
        tx(1, {}),
        tx(2, { isVoid: true, lastModifiedDateUTC: '2024-05-01T15:00:00Z' }),
        tx(3, { isReturn: true }),
        tx(4, { transactionDate: 'garbage' }),
      ]);
    const pages = await collect(connector().sales({ since }, { now }));
    expect(query).toEqual({
      FromLastModifiedDateUTC: new Date(since - 60_000).toISOString(),
      ToLastModifiedDateUTC: new Date(now).toISOString(),
      IncludeDetail: 'true',
      IncludeTaxes: 'false',
      IncludeOrderIds: 'false',
    });
    const results = pages.flatMap((p) => p.results);
    const sales = results.flatMap((r) => (r.ok ? [r.sale] : []));
    expect(sales.map((s) => [s.vendorSaleId, s.status])).toEqual([
      ['1', 'completed'],
      ['2', 'voided'],
      ['3', 'returned'],
    ]);
    expect(sales[0]).toEqual({
      vendorSaleId: '1',
      completedAt: '2024-05-01T12:30:00.000Z',
      status: 'completed',
      lines: [{ vendorItemId: '101', packageLabel: TAG, quantity: 2, unitPriceMinor: 1000, totalMinor: 1999 }],
    });
    expect(results.filter((r) => !r.ok)).toMatchObject([{ ok: false, vendorSaleId: '4' }]);
    expect(pages.at(-1)?.next).toEqual({ since: Date.UTC(2024, 4, 1, 15) });
  });

  it('keeps the sales cursor where it was when nothing new came back', async () => {
    nock(BASE).get('/reporting/transactions').query(true).reply(200, []);
    const page = await first(connector().sales({ since: 1_700_000_000_000 }, { now: 1_700_000_600_000 }));
    expect(page).toEqual({ results: [], next: { since: 1_700_000_000_000 } });
  });
});
