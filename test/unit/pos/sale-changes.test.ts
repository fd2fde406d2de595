/**
 * Voids and returns as each vendor sends them (nock, the documented wire shapes) and as the
 * vendor sandboxes produce them on request, both read through the real connectors.
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { BLAZE_SANDBOX_PREFIX, createBlazeSandbox } from '../../../sandboxes/pos/blaze.js';
import { DEMO_BLAZE_CREDENTIALS, DEMO_DUTCHIE_CREDENTIALS } from '../../../sandboxes/pos/demo-credentials.js';
import { createDutchieSandbox } from '../../../sandboxes/pos/dutchie.js';
import { createConnector, type PosConnector, type PosSale, type SalesCursor } from '../../../integrations/pos/index.js';
import { collect, strictNock } from './helpers.js';

const TAG_A = '1A4060300002C35000012345';
const TAG_B = '1A4060300002C35000067890';

const salesOf = async (c: PosConnector, cursor?: SalesCursor, now?: number) => {
  const pages = await collect(c.sales(cursor, now === undefined ? {} : { now }));
  const results = pages.flatMap((p) => p.results);
  return {
    sales: results.flatMap((r) => (r.ok ? [r.sale] : [])),
    errors: results.filter((r) => !r.ok),
    next: pages.at(-1)?.next,
  };
};
const byId = (sales: PosSale[], id: string) => sales.find((s) => s.vendorSaleId === id);
/** id → [status, returnOf] of every sale read. */
const view = (sales: PosSale[]) => Object.fromEntries(sales.map((s) => [s.vendorSaleId, [s.status, s.returnOf]]));
/** The entry for `id` when the read happened to include it (overlapping windows). */
const maybe = (sales: PosSale[], id: string) => (byId(sales, id) ? { [id]: ['completed', undefined] } : {});

describe('vendor wire formats for voids and returns', () => {
  strictNock();

  it('Dutchie: a return is its own transaction naming the sale; its negative totals become magnitudes', async () => {
    const BASE = 'https://api.pos.dutchie.com';
    const item = (over: Record<string, unknown>) => ({
      transactionItemId: 1,
      productId: 9,
      inventoryId: 101,
      packageId: TAG_A,
      quantity: 2,
      unitPrice: 10,
      totalPrice: 20,
      ...over,
    });
    const tx = (id: number, over: Record<string, unknown>) => ({
      transactionId: id,
      transactionDate: '2024-05-01T12:30:00',
      lastModifiedDateUTC: '2024-05-01T12:30:00',
      isVoid: false,
      voidDate: null,
      isReturn: false,
      returnOnTransactionId: null,
      transactionType: 'Retail',
      subtotal: 20,
      totalDiscount: 0,
      tax: 3,
      total: 23,
      items: [item({})],
      ...over,
    });
    nock(BASE)
      .get('/reporting/transactions')
      .query(true)
      .reply(200, [
        // The sale, re-listed because an item went back: isReturned/returnedByTransactionId.
        tx(1, { lastModifiedDateUTC: '2024-05-01T14:00:00', items: [item({ isReturned: true, returnedByTransactionId: 3 }), item({ transactionItemId: 2, inventoryId: 102, packageId: TAG_B, quantity: 1, totalPrice: 10 })] }),
        tx(2, { isVoid: true, voidDate: '2024-05-01T13:00:00' }),
        tx(3, { isReturn: true, returnOnTransactionId: 1, total: -23, subtotal: -20, items: [item({ quantity: 2, totalPrice: -20 })] }),
        tx(4, { isReturn: true, returnOnTransactionId: 1, items: [item({ quantity: -1, unitPrice: -10, totalPrice: -10 })] }),
        tx(5, { isReturn: true, isVoid: true, returnOnTransactionId: 1 }),
        tx(6, { isReturn: true }),
      ]);
    const c = createConnector({ vendor: 'dutchie', baseUrl: BASE, credentials: { locationKey: 'k' } });
    const { sales, errors } = await salesOf(c, { since: Date.UTC(2024, 4, 1) }, Date.UTC(2024, 4, 2));
    expect(errors).toEqual([]);
    expect(sales.map((s) => [s.vendorSaleId, s.status, s.returnOf])).toEqual([
      ['1', 'completed', undefined],
      ['2', 'voided', undefined],
      ['3', 'returned', '1'],
      ['4', 'returned', '1'],
      ['5', 'voided', '1'],
      ['6', 'returned', undefined],
    ]);
    // The sale keeps its full lines: what was sold does not change when goods come back.
    expect(byId(sales, '1')!.lines.map((l) => l.quantity)).toEqual([2, 1]);
    expect(byId(sales, '3')!.lines).toEqual([{ vendorItemId: '101', packageLabel: TAG_A, quantity: 2, unitPriceMinor: 1000, totalMinor: 2000 }]);
    expect(byId(sales, '4')!.lines).toEqual([{ vendorItemId: '101', packageLabel: TAG_A, quantity: 1, unitPriceMinor: 1000, totalMinor: 1000 }]);
  });

  it('BLAZE: a refund is a child transaction with parentTransactionId; without inventory it restocks nothing', async () => {
    const HOST = 'https://api.partners.blaze.me';
    const since = Date.UTC(2024, 2, 10, 15);
    const line = (over: Record<string, unknown> = {}) => ({ productId: 'p1', productSku: 'SKU-p1', quantity: 2, unitPrice: 5, finalPrice: 10, status: 'Active', ...over });
    const tx = (id: string, status: string, over: Record<string, unknown> = {}) => ({
      id,
      transNo: id,
      status,
      transType: 'Sale',
      processedTime: since + 1,
      modified: since + 1,
      cart: { subTotal: 10, totalDiscount: 0, tax: 1.5, total: 11.5, items: [line()] },
      traceSubmitStatus: 'None',
      ...over,
    });
    nock(HOST)
      .get(`${PREFIX}/transactions`)
      .query(true)
      .reply(200, {
        values: [
          tx('sale', 'Completed', { transactionRefundStatus: 'Partial_Refund', cart: { subTotal: 10, totalDiscount: 0, tax: 0, total: 10, items: [line({ totalRefundQty: 1 })] } }),
          tx('r1', 'RefundWithInventory', { transType: 'Refund', parentTransactionId: 'sale', cart: { subTotal: 5, totalDiscount: 0, tax: 0, total: 5, items: [line({ quantity: 1, finalPrice: 5 })] } }),
          tx('r2', 'RefundWithoutInventory', { transType: 'Refund', parentTransactionId: 'sale' }),
          tx('inplace', 'RefundWithInventory'),
          tx('r3', 'Void', { transType: 'Refund', parentTransactionId: 'sale', voidDate: since + 2 }),
          tx('v', 'Void', { voidDate: since + 2 }),
          tx('done-refund', 'Completed', { transType: 'Refund', parentTransactionId: 'sale' }),
        ],
        skip: 0,
        limit: 100,
        total: 7,
      });
    const c = createConnector({ vendor: 'blaze', baseUrl: `${HOST}${PREFIX}`, credentials: { partnerKey: 'p', storeKey: 's' } });
    const { sales, errors } = await salesOf(c, { since }, since + 60_000);
    expect(errors).toEqual([]);
    expect(sales.map((s) => [s.vendorSaleId, s.status, s.returnOf, s.restocked])).toEqual([
      ['sale', 'completed', undefined, undefined],
      ['r1', 'returned', 'sale', true],
      ['r2', 'returned', 'sale', false],
      ['inplace', 'returned', 'inplace', true],
      ['r3', 'voided', 'sale', undefined],
      ['v', 'voided', undefined, undefined],
      ['done-refund', 'returned', 'sale', undefined],
    ]);
    expect(byId(sales, 'r1')!.lines).toEqual([{ vendorItemId: 'p1', sku: 'SKU-p1', quantity: 1, unitPriceMinor: 500, totalMinor: 500 }]);
  });
});

const PREFIX = '/api/v1/partner';

async function admin(url: string, path: string, body: unknown = {}): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${url}/__sandbox/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('vendor sandboxes produce voids and returns on request', () => {
  it('Dutchie: ring up, return part, void a return and void a sale; each shows up again after the cursor', async () => {
    const sandbox = createDutchieSandbox({ items: 20, sales: 0 });
    const { url, close } = await sandbox.start(0);
    try {
      const dutchie = createConnector({ vendor: 'dutchie', baseUrl: url, credentials: DEMO_DUTCHIE_CREDENTIALS });
      const rung = await admin(url, 'sales', { lines: [{ item: '2', quantity: 3 }, { item: '5', quantity: 1 }] });
      expect(rung.status).toBe(201);
      const other = (await admin(url, 'sales', { lines: [{ item: '7', quantity: 1 }] })).body.sale!;
      const saleId = rung.body.sale!;
      const first = await salesOf(dutchie);
      expect(first.sales.map((s) => [s.vendorSaleId, s.status])).toEqual([
        [saleId, 'completed'],
        [other, 'completed'],
      ]);
      expect(byId(first.sales, saleId)!.lines.map((l) => [l.vendorItemId, l.quantity, l.packageLabel])).toEqual([
        ['2', 3, sandbox.state.catalog.get(1).packageLabel],
        ['5', 1, sandbox.state.catalog.get(4).packageLabel],
      ]);

      // More than the sale holds is refused; so are unknown sales and items.
      expect((await admin(url, `sales/${saleId}/return`, { lines: [{ item: '2', quantity: 4 }] })).status).toBe(400);
      expect((await admin(url, 'sales/123/void')).status).toBe(404);
      expect((await admin(url, 'sales', { lines: [{ item: 'nope', quantity: 1 }] })).status).toBe(400);

      const ret = (await admin(url, `sales/${saleId}/return`, { lines: [{ item: '2', quantity: 2 }] })).body.sale!;
      const second = await salesOf(dutchie, first.next);
      // The return, and the sale again (its returned item changed). Dutchie reads re-cover the
      // last minute, so the untouched sale may come again too; it is still completed.
      expect(view(second.sales)).toEqual({ [saleId]: ['completed', undefined], [ret]: ['returned', saleId], ...maybe(second.sales, other) });
      expect(byId(second.sales, ret)!.lines.map((l) => [l.vendorItemId, l.quantity, l.totalMinor])).toEqual([
        ['2', 2, 2 * sandbox.state.catalog.get(1).priceCents],
      ]);
      const auth = `Basic ${Buffer.from(`${DEMO_DUTCHIE_CREDENTIALS.locationKey}:${DEMO_DUTCHIE_CREDENTIALS.integratorKey}`).toString('base64')}`;
      const [rawSale] = (await (await fetch(`${url}/reporting/transactions?TransactionId=${saleId}&IncludeDetail=true`, { headers: { authorization: auth } })).json()) as Array<{
        items: Array<{ isReturned: boolean; returnedByTransactionId: number | null }>;
      }>;
      expect(rawSale!.items.map((i) => [i.isReturned, i.returnedByTransactionId])).toEqual([
        [true, Number(ret)],
        [false, null],
      ]);
      const [rawReturn] = (await (await fetch(`${url}/reporting/transactions?TransactionId=${ret}&IncludeDetail=true`, { headers: { authorization: auth } })).json()) as Array<{ total: number; isReturn: boolean; returnOnTransactionId: number }>;
      expect(rawReturn).toMatchObject({ isReturn: true, returnOnTransactionId: Number(saleId) });
      expect(rawReturn!.total).toBeLessThan(0);

      // A sale with an open return cannot be voided; voiding the return first undoes it.
      expect((await admin(url, `sales/${saleId}/void`)).status).toBe(400);
      expect((await admin(url, `sales/${ret}/void`)).status).toBe(201);
      const third = await salesOf(dutchie, second.next);
      expect(view(third.sales)).toEqual({ [saleId]: ['completed', undefined], [ret]: ['voided', saleId], ...maybe(third.sales, other) });
      expect((await admin(url, `sales/${saleId}/void`)).status).toBe(201);
      const fourth = await salesOf(dutchie, third.next);
      expect(view(fourth.sales)[saleId]).toEqual(['voided', undefined]);
      expect((await admin(url, `sales/${saleId}/void`)).status).toBe(400);
    } finally {
      await close();
    }
  });

  it('BLAZE: refunds are child transactions; stores can leave METRC reporting to the hub', async () => {
    const sandbox = createBlazeSandbox({ items: 20, sales: 0, vendorReportsToMetrc: false });
    const { url, close } = await sandbox.start(0);
    try {
      const blaze = createConnector({ vendor: 'blaze', baseUrl: `${url}${BLAZE_SANDBOX_PREFIX}`, credentials: DEMO_BLAZE_CREDENTIALS });
      const productId = (i: number) => `01${(42 % 0x1000000).toString(16).padStart(6, '0')}${i.toString(16).padStart(16, '0')}`;
      const saleId = (await admin(url, 'sales', { lines: [{ item: productId(3), quantity: 2 }] })).body.sale!;
      const first = await salesOf(blaze);
      expect(first.sales).toEqual([expect.objectContaining({ vendorSaleId: saleId, status: 'completed', complianceStatus: 'None' })]);

      const refund = (await admin(url, `sales/${saleId}/return`)).body.sale!;
      const second = await salesOf(blaze, first.next);
      expect(second.sales.map((s) => [s.vendorSaleId, s.status, s.returnOf, s.restocked])).toEqual([
        [saleId, 'completed', undefined, undefined],
        [refund, 'returned', saleId, true],
      ]);
      expect(byId(second.sales, refund)!.lines.map((l) => [l.vendorItemId, l.quantity])).toEqual([[productId(3), 2]]);
      expect((await admin(url, `sales/${saleId}/return`)).status).toBe(400); // nothing left to return
    } finally {
      await close();
    }
  });

  it('BLAZE: by default the vendor reports to METRC itself', async () => {
    const { url, close } = await createBlazeSandbox({ items: 5, sales: 3 }).start(0);
    try {
      const blaze = createConnector({ vendor: 'blaze', baseUrl: `${url}${BLAZE_SANDBOX_PREFIX}`, credentials: DEMO_BLAZE_CREDENTIALS });
      const { sales } = await salesOf(blaze);
      expect(sales.length).toBeGreaterThan(0);
      expect(sales.every((s) => s.complianceStatus === 'Completed')).toBe(true);
    } finally {
      await close();
    }
  });
});
