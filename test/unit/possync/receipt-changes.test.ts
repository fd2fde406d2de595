import { describe, expect, it } from 'vitest';
import { validatePayload } from '../../../domain/metrc/kinds.js';
import {
  planReceiptChange,
  returnedLines,
  withoutReturned,
  withReturnedBack,
  type ChangeSubmission,
  type ReceiptLine,
  type ReceiptSubmission,
} from '../../../domain/pos/receiptChanges.js';
import { changeEvent } from '../../../activities/posReceiptChanges.js';

const A = '1A4000000000000000000011';
const B = '1A4000000000000000000012';
const sold: ReceiptLine[] = [
  { PackageLabel: A, Quantity: 3, UnitOfMeasure: 'Each', TotalAmount: 37.5, Price: 12.5 },
  { PackageLabel: B, Quantity: 1.5, UnitOfMeasure: 'Grams', TotalAmount: 15, Price: 10 },
];
const receipt = (over: Partial<ReceiptSubmission> = {}): ReceiptSubmission => ({
  status: 'succeeded',
  attemptCount: 1,
  possiblyLanded: false,
  payload: { SalesDateTime: '2026-03-01T14:05:00', ExternalReceiptNumber: 'POS-DUTCHIE-900001', SalesCustomerType: 'Consumer', Transactions: sold },
  ...over,
});
const returnOf = (returnId: string, returned: { label: string; quantity: number; amount: number }[]) =>
  ({ type: 'return', saleId: '900001', returnId, returned }) as const;

describe('receipt lines after a return', () => {
  it('takes returned quantities and their money off, dropping emptied lines', () => {
    expect(withoutReturned(sold, [{ label: A, quantity: 1, amount: 12.5 }])).toEqual([
      { ...sold[0], Quantity: 2, TotalAmount: 25 },
      sold[1],
    ]);
    expect(withoutReturned(sold, [{ label: B, quantity: 1.5, amount: 15 }])).toEqual([sold[0]]);
    expect(withoutReturned(sold, [{ label: A, quantity: 4, amount: 50 }])).toBe(`returns 4 of package ${A}, more than the receipt holds`);
    expect(withoutReturned(sold, [{ label: '1A4000000000000000000099', quantity: 1, amount: 1 }])).toMatch(/more than the receipt holds/);
  });

  it('puts an undone return back, restoring a line that had gone', () => {
    const left = withoutReturned(sold, [{ label: B, quantity: 1.5, amount: 15 }, { label: A, quantity: 1, amount: 12.5 }]) as ReceiptLine[];
    expect(withReturnedBack(left, [{ label: B, quantity: 1.5, amount: 15 }, { label: A, quantity: 1, amount: 12.5 }], sold)).toEqual([sold[0], sold[1]]);
  });

  it('finds the returned packages the same way the sale did', () => {
    const held = new Map([['12', { label: B, unitOfMeasure: 'Grams' }]]);
    expect(returnedLines([{ vendorItemId: '11', packageLabel: A, quantity: 1, totalMinor: 1250 }, { vendorItemId: '12', quantity: 0.5, totalMinor: 500 }], held)).toEqual([
      { label: A, quantity: 1, amount: 12.5 },
      { label: B, quantity: 0.5, amount: 5 },
    ]);
    expect(returnedLines([{ vendorItemId: '13', quantity: 1, totalMinor: 1 }], held)).toBe('no METRC package label for returned vendor item 13');
  });
});

describe('what a POS void or return does to the reported receipt', () => {
  it('a void of a reported sale queues one receipt void; seen again, it finds that one', () => {
    const plan = planReceiptChange({ type: 'void', saleId: '900001' }, receipt(), []);
    expect(plan).toEqual({
      action: 'create',
      kind: 'sales_receipt_void',
      payload: { ExternalReceiptNumber: 'POS-DUTCHIE-900001', ChangeReference: 'void:900001', Sequence: 1 },
    });
    if (plan.action !== 'create') return;
    expect(validatePayload(plan.kind, plan.payload)).toEqual([]);
    const queued: ChangeSubmission = { kind: 'sales_receipt_void', status: 'pending', payload: plan.payload as ChangeSubmission['payload'] };
    expect(planReceiptChange({ type: 'void', saleId: '900001' }, receipt(), [queued])).toEqual({ action: 'existing', kind: 'sales_receipt_void', changeReference: 'void:900001' });
  });

  it('a sale never reported, or whose receipt was discarded, changes nothing', () => {
    expect(planReceiptChange({ type: 'void', saleId: '900001' }, undefined, [])).toMatchObject({ action: 'none' });
    expect(planReceiptChange({ type: 'void', saleId: '900001' }, receipt({ status: 'discarded' }), [])).toMatchObject({ action: 'none' });
  });

  it('a receipt not yet attempted is withdrawn instead; one that may be in METRC is voided after it', () => {
    const unsent = receipt({ status: 'pending', attemptCount: 0 });
    expect(planReceiptChange({ type: 'void', saleId: '900001' }, unsent, [])).toMatchObject({ action: 'withdraw' });
    expect(planReceiptChange({ type: 'void', saleId: '900001' }, unsent, [], { allowWithdraw: false })).toMatchObject({ action: 'create', kind: 'sales_receipt_void' });
    expect(planReceiptChange({ type: 'void', saleId: '900001' }, receipt({ status: 'submitting', attemptCount: 1 }), [])).toMatchObject({ action: 'create' });
    expect(planReceiptChange({ type: 'void', saleId: '900001' }, receipt({ status: 'pending', attemptCount: 0, possiblyLanded: true }), [])).toMatchObject({ action: 'create' });
  });

  it('returns update the receipt to what is left, each built on the one before, in sequence', () => {
    const first = planReceiptChange(returnOf('900007', [{ label: A, quantity: 1, amount: 12.5 }]), receipt(), []);
    expect(first).toEqual({
      action: 'create',
      kind: 'sales_receipt_update',
      payload: {
        ExternalReceiptNumber: 'POS-DUTCHIE-900001',
        SalesDateTime: '2026-03-01T14:05:00',
        SalesCustomerType: 'Consumer',
        ChangeReference: 'return:900007',
        Sequence: 1,
        Transactions: [{ ...sold[0], Quantity: 2, TotalAmount: 25 }, sold[1]],
      },
    });
    if (first.action !== 'create') return;
    expect(validatePayload('sales_receipt_update', first.payload)).toEqual([]);
    const queued: ChangeSubmission = { kind: 'sales_receipt_update', status: 'pending', payload: first.payload as ChangeSubmission['payload'] };
    const second = planReceiptChange(returnOf('900008', [{ label: B, quantity: 1.5, amount: 15 }]), receipt(), [queued]);
    expect(second).toMatchObject({ action: 'create', kind: 'sales_receipt_update', payload: { Sequence: 2, ChangeReference: 'return:900008', Transactions: [{ ...sold[0], Quantity: 2, TotalAmount: 25 }] } });
    // The same return read again finds its update.
    expect(planReceiptChange(returnOf('900007', [{ label: A, quantity: 1, amount: 12.5 }]), receipt(), [queued])).toEqual({
      action: 'existing',
      kind: 'sales_receipt_update',
      changeReference: 'return:900007',
    });
    // The rest coming back empties the receipt: a void, after the update before it.
    const rest = planReceiptChange(returnOf('900009', [{ label: A, quantity: 2, amount: 25 }, { label: B, quantity: 1.5, amount: 15 }]), receipt(), [queued]);
    expect(rest).toEqual({ action: 'create', kind: 'sales_receipt_void', payload: { ExternalReceiptNumber: 'POS-DUTCHIE-900001', ChangeReference: 'return:900009', Sequence: 2 } });
  });

  it('a full return of a receipt never sent withdraws it; a money-only refund changes nothing', () => {
    const all = returnOf('900007', [{ label: A, quantity: 3, amount: 37.5 }, { label: B, quantity: 1.5, amount: 15 }]);
    expect(planReceiptChange(all, receipt({ status: 'pending', attemptCount: 0 }), [])).toMatchObject({ action: 'withdraw' });
    expect(planReceiptChange({ ...all, restocked: false }, receipt(), [])).toMatchObject({ action: 'none' });
  });

  it('an undone return puts the lines back; an undone full return cannot revive a voided receipt', () => {
    const ret = planReceiptChange(returnOf('900007', [{ label: A, quantity: 1, amount: 12.5 }]), receipt(), []);
    if (ret.action !== 'create') throw new Error('expected an update');
    const done: ChangeSubmission = { kind: 'sales_receipt_update', status: 'succeeded', payload: ret.payload as ChangeSubmission['payload'] };
    const undo = planReceiptChange({ type: 'return_void', saleId: '900001', returnId: '900007', returned: [{ label: A, quantity: 1, amount: 12.5 }] }, receipt(), [done]);
    expect(undo).toMatchObject({ action: 'create', kind: 'sales_receipt_update', payload: { ChangeReference: 'return-void:900007', Sequence: 2, Transactions: sold } });
    expect(planReceiptChange({ type: 'return_void', saleId: '900001', returnId: '900099', returned: [] }, receipt(), [done])).toMatchObject({ action: 'none' });
    const voidedBy: ChangeSubmission = { kind: 'sales_receipt_void', status: 'succeeded', payload: { ExternalReceiptNumber: 'POS-DUTCHIE-900001', ChangeReference: 'return:900009', Sequence: 1 } };
    expect(planReceiptChange({ type: 'return_void', saleId: '900001', returnId: '900009', returned: [] }, receipt(), [voidedBy])).toMatchObject({ action: 'problem' });
  });

  it('an unmatched return line is a problem only when the lines are needed', () => {
    const queued: ChangeSubmission = { kind: 'sales_receipt_update', status: 'pending', payload: { ChangeReference: 'return:900007', Sequence: 1, Transactions: sold } };
    const unmatched = { type: 'return', saleId: '900001', returnId: '900007', returned: 'no METRC package label for returned vendor item 13' } as const;
    expect(planReceiptChange(unmatched, receipt(), [queued])).toMatchObject({ action: 'existing' });
    expect(planReceiptChange({ ...unmatched, returnId: '900008' }, receipt(), [queued])).toEqual({ action: 'problem', reason: 'no METRC package label for returned vendor item 13' });
  });
});

describe('POS sales as receipt-change events', () => {
  const held = new Map<string, { label: string; unitOfMeasure: string }>();
  const line = { vendorItemId: '11', packageLabel: A, quantity: 1, unitPriceMinor: 1250, totalMinor: 1250 };
  const sale = { vendorSaleId: '900007', completedAt: '2026-03-01T21:05:00.000Z', lines: [line] };
  it('maps voids, returns and voided returns to the sale they change', () => {
    expect(changeEvent({ ...sale, status: 'completed' }, held)).toBeNull();
    expect(changeEvent({ ...sale, status: 'voided' }, held)).toEqual({ type: 'void', saleId: '900007' });
    expect(changeEvent({ ...sale, status: 'returned', returnOf: '900001', restocked: true }, held)).toEqual({
      type: 'return',
      saleId: '900001',
      returnId: '900007',
      returned: [{ label: A, quantity: 1, amount: 12.5 }],
      restocked: true,
    });
    expect(changeEvent({ ...sale, status: 'voided', returnOf: '900001' }, held)).toMatchObject({ type: 'return_void', saleId: '900001', returnId: '900007' });
    expect(changeEvent({ ...sale, status: 'returned' }, held)).toMatch(/names no original sale/);
  });
});
