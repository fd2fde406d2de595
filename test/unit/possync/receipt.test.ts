import { describe, expect, it } from 'vitest';
import { facilityLocalTime, saleReceipt } from '../../../domain/pos/receipt.js';

describe('sales receipts from POS sales', () => {
  it('states the sale time as facility-local wall-clock time, across daylight saving', () => {
    expect(facilityLocalTime('2026-01-15T19:30:05.000Z', 'America/Denver')).toBe('2026-01-15T12:30:05');
    expect(facilityLocalTime('2026-07-15T19:30:05.000Z', 'America/Denver')).toBe('2026-07-15T13:30:05');
    expect(facilityLocalTime('2026-07-16T02:00:00.000Z', 'America/Los_Angeles')).toBe('2026-07-15T19:00:00');
  });

  const sale = {
    vendorSaleId: '900001',
    completedAt: '2026-03-01T21:05:00.000Z',
    lines: [
      { vendorItemId: '11', packageLabel: '1A4000000000000000000011', quantity: 2, unitPriceMinor: 1250, totalMinor: 2500 },
      { vendorItemId: '12', quantity: 1.5, unitPriceMinor: 1000, totalMinor: 1500 },
    ],
  };

  it('takes labels from the line or, failing that, from the stock we hold', () => {
    const r = saleReceipt('blaze', sale, 'America/Denver', new Map([['12', { label: '1A4000000000000000000012', unitOfMeasure: 'Grams' }]]));
    expect(r).toEqual({
      ok: true,
      payload: {
        SalesDateTime: '2026-03-01T14:05:00',
        ExternalReceiptNumber: 'POS-BLAZE-900001',
        SalesCustomerType: 'Consumer',
        Transactions: [
          { PackageLabel: '1A4000000000000000000011', Quantity: 2, UnitOfMeasure: 'Each', TotalAmount: 25, Price: 12.5 },
          { PackageLabel: '1A4000000000000000000012', Quantity: 1.5, UnitOfMeasure: 'Grams', TotalAmount: 15, Price: 10 },
        ],
      },
    });
  });

  it('refuses a sale with a line no package label can be found for', () => {
    expect(saleReceipt('blaze', sale, 'America/Denver', new Map())).toEqual({ ok: false, reason: 'no METRC package label for vendor item 12' });
  });
});
