import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MetrcClient } from '../../../integrations/metrc/client.js';
import { MetrcValidationError } from '../../../integrations/metrc/errors.js';
import { pascalizeKeys, readField } from '../../../integrations/metrc/fields.js';
import { metrcBaseUrl } from '../../../integrations/metrc/hosts.js';
import type { MetrcPackageAdjustment } from '../../../integrations/metrc/types.js';

const BASE = 'https://sandbox-api-co.metrc.com';
const LICENSE = 'SF-SBX-CO-21-8002';
const client = (extra: Partial<ConstructorParameters<typeof MetrcClient>[0]> = {}) =>
  new MetrcClient({
    baseUrl: `${BASE}/`,
    vendorKey: 'v-key',
    userKey: 'u-key',
    timeoutMs: 1000,
    getRetries: 0,
    ...extra,
  });

const window = { lastModifiedStart: new Date('2026-01-01T00:00:00Z'), lastModifiedEnd: '2026-01-01T06:00:00+02:00' };

function envelope(data: unknown[], page: number, totalPages: number, total: number) {
  return {
    Data: data,
    Total: total,
    TotalRecords: total,
    PageSize: 20,
    RecordsOnPage: data.length,
    Page: page,
    CurrentPage: page,
    TotalPages: totalPages,
  };
}
const pkg = (n: number) => ({ Id: n, Label: `1A4000000000000000000${String(n).padStart(3, '0')}`, Quantity: n });
const adjustment = (n: number): MetrcPackageAdjustment => ({
  Label: pkg(n).Label,
  Quantity: -1,
  UnitOfMeasure: 'Each',
  AdjustmentReason: 'Damage',
  AdjustmentDate: '2026-01-01',
});

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('hosts', () => {
  it('builds per-state production and sandbox hosts', () => {
    expect(metrcBaseUrl('CO')).toBe('https://api-co.metrc.com');
    expect(metrcBaseUrl('mi', { sandbox: true })).toBe('https://sandbox-api-mi.metrc.com');
    expect(() => metrcBaseUrl('zz')).toThrow(/Unknown METRC state/);
  });
});

describe('MetrcClient wire format', () => {
  it('sends Basic auth with vendor key as username and user key as password', async () => {
    nock(BASE).get('/facilities/v2/').basicAuth({ user: 'v-key', pass: 'u-key' }).reply(200, []);
    await expect(client().getFacilities()).resolves.toEqual([]);
  });

  it('pages with pageNumber/pageSize=20 and the lastModified window until the last page', async () => {
    const q = (pageNumber: number) => ({
      licenseNumber: LICENSE,
      lastModifiedStart: '2026-01-01T00:00:00.000Z',
      lastModifiedEnd: '2026-01-01T06:00:00+02:00',
      pageNumber: String(pageNumber),
      pageSize: '20',
    });
    const all = Array.from({ length: 45 }, (_, i) => pkg(i + 1));
    nock(BASE)
      .get('/packages/v2/active')
      .query(q(1))
      .reply(200, envelope(all.slice(0, 20), 1, 3, 45))
      .get('/packages/v2/active')
      .query(q(2))
      .reply(200, envelope(all.slice(20, 40), 2, 3, 45))
      .get('/packages/v2/active')
      .query(q(3))
      .reply(200, envelope(all.slice(40), 3, 3, 45));
    const got = await client().listActivePackages(LICENSE, window);
    expect(got.map((p) => p.Id)).toEqual(all.map((p) => p.Id));
  });

  it('encodes + in an offset as %2B', async () => {
    nock(BASE)
      .get(
        (uri) =>
          uri.startsWith('/sales/v2/receipts/active?') &&
          /lastModifiedEnd=2026-01-01T06(:|%3A)00(:|%3A)00%2B02/.test(uri),
      )
      .reply(200, envelope([], 1, 0, 0));
    await expect(client().listReceipts(LICENSE, window)).resolves.toEqual([]);
  });

  it('fetches pages lazily: stopping the iterator after page 1 sends no further request', async () => {
    nock(BASE)
      .get('/transfers/v2/templates/outgoing')
      .query(true)
      .reply(200, envelope([{ Id: 1, Name: 'a' }], 1, 5, 100));
    const seen: number[] = [];
    for await (const t of client().iterateOutgoingTemplates(LICENSE)) {
      seen.push(t.Id);
      break;
    }
    expect(seen).toEqual([1]);
  });

  it('stops on an empty page even when TotalPages says there is more', async () => {
    nock(BASE)
      .get('/transfers/v2/outgoing')
      .query((q) => q.pageNumber === '1')
      .reply(200, envelope([{ Id: 1 }], 1, 9, 9))
      .get('/transfers/v2/outgoing')
      .query((q) => q.pageNumber === '2')
      .reply(200, envelope([], 2, 9, 9));
    expect(await client().listOutgoingTransfers(LICENSE, window)).toHaveLength(1);
  });

  it('reads camelCase envelopes and {ids, warnings} like PascalCase ones', async () => {
    nock(BASE)
      .get('/packages/v2/adjust/reasons')
      .query(true)
      .reply(200, { data: [{ name: 'Drying', requiresNote: false }], currentPage: 1, totalPages: 1, totalRecords: 1 })
      .post('/sales/v2/receipts')
      .query({ licenseNumber: LICENSE })
      .reply(200, { ids: [77], warnings: ['late'] });
    expect(await client().listAdjustReasons(LICENSE)).toEqual([{ Name: 'Drying', RequiresNote: false }]);
    const receipt = { SalesDateTime: '2026-01-01T10:00:00', SalesCustomerType: 'Consumer', Transactions: [] };
    expect(await client().createReceipts(LICENSE, [receipt])).toEqual({ ids: [77], warnings: ['late'] });
  });

  it('readField matches any casing, preferring the exact key', () => {
    expect(readField({ ids: [1] }, 'Ids')).toEqual([1]);
    expect(readField({ IDS: [2] }, 'ids')).toEqual([2]);
    expect(readField({ ids: [1], Ids: [3] }, 'Ids')).toEqual([3]);
    expect(readField([1], 'length')).toBeUndefined();
    expect(pascalizeKeys({ license: { number: 'x' }, list: [{ packageLabel: 'L' }] })).toEqual({
      License: { Number: 'x' },
      List: [{ PackageLabel: 'L' }],
    });
  });

  it('splits a 23-object POST into bodies of 10, 10 and 3 and joins the Ids in order', async () => {
    const sizes: number[] = [];
    let next = 100;
    nock(BASE)
      .post('/packages/v2/adjust', (body) => Array.isArray(body))
      .query({ licenseNumber: LICENSE })
      .times(3)
      .reply(200, (_uri, body) => {
        const rows = body as unknown[];
        sizes.push(rows.length);
        return { Ids: rows.map(() => next++), Warnings: null };
      });
    const result = await client().adjustPackages(
      LICENSE,
      Array.from({ length: 23 }, (_, i) => adjustment(i)),
    );
    expect(sizes).toEqual([10, 10, 3]);
    expect(result.ids).toEqual(Array.from({ length: 23 }, (_, i) => 100 + i));
  });

  it('honours maxObjectsPerRequest', async () => {
    const sizes: number[] = [];
    nock(BASE)
      .post('/packages/v2/adjust')
      .query(true)
      .times(3)
      .reply(200, (_uri, body) => {
        sizes.push((body as unknown[]).length);
        return { Ids: [], Warnings: null };
      });
    await client({ maxObjectsPerRequest: 2 }).adjustPackages(LICENSE, [0, 1, 2, 3, 4].map(adjustment));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('on a failing second chunk, reports rows against the whole array and how many were committed', async () => {
    nock(BASE)
      .post('/sales/v2/receipts')
      .query(true)
      .reply(200, { Ids: Array.from({ length: 10 }, (_, i) => i + 1), Warnings: null })
      .post('/sales/v2/receipts')
      .query(true)
      .reply(400, [{ row: 1, message: 'Package 1A4 is not available.' }]);
    const receipts = Array.from({ length: 15 }, (_, i) => ({
      SalesDateTime: '2026-01-01T10:00:00',
      SalesCustomerType: 'Consumer',
      ExternalReceiptNumber: `R-${i}`,
      Transactions: [],
    }));
    const err = await client()
      .createReceipts(LICENSE, receipts)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(MetrcValidationError);
    const v = err as MetrcValidationError;
    expect(v.rowMessages).toEqual([{ row: 11, message: 'Package 1A4 is not available.' }]);
    expect(v.message).toContain('row 11:');
    expect(v.committedRows).toBe(10);
    expect(v.toJSON().committedRows).toBe(10);
  });

  it('resolves METRC empty 200s on PUT and DELETE, and null for an unknown label (404)', async () => {
    nock(BASE)
      .put('/transfers/v2/templates/outgoing')
      .query({ licenseNumber: LICENSE })
      .reply(200, '')
      .delete('/sales/v2/receipts/42')
      .query({ licenseNumber: LICENSE })
      .reply(200)
      .get('/packages/v2/1A4000000000000000000999')
      .query({ licenseNumber: LICENSE })
      .reply(404, { Message: 'No HTTP resource was found.' });
    await expect(
      client().updateOutgoingTemplates(LICENSE, [{ TransferTemplateId: 1, Name: 'x', Destinations: [] }]),
    ).resolves.toBeUndefined();
    await expect(client().voidReceipt(LICENSE, 42)).resolves.toBeUndefined();
    await expect(client().getPackageByLabel(LICENSE, '1A4000000000000000000999')).resolves.toBeNull();
  });

  it('does not send licenseNumber on transfer sub-resources keyed by id', async () => {
    nock(BASE)
      .get('/transfers/v2/12/deliveries')
      .query((q) => !('licenseNumber' in q) && q.pageNumber === '1')
      .reply(200, envelope([{ Id: 5, RecipientFacilityLicenseNumber: 'R' }], 1, 1, 1))
      .get('/transfers/v2/deliveries/5/packages')
      .query((q) => !('licenseNumber' in q))
      .reply(200, envelope([{ PackageLabel: 'L', ShippedQuantity: 1 }], 1, 1, 1));
    const [delivery] = await client().listTransferDeliveries(12);
    expect(delivery?.Id).toBe(5);
    const packages = await client().listDeliveryPackages(5);
    expect(packages.map((p) => p.PackageLabel)).toEqual(['L']);
  });
});
