import { describe, expect, it } from 'vitest';
import { changeWireBody, isReceiptChange, judgeAdjustment, naturalKey, packageLabels, validatePayload } from '../../../domain/metrc/kinds.js';
import { definitelyNotCommitted, failureReason } from '../../../domain/metrc/failure.js';
import { buildTransferTemplate } from '../../../domain/metrc/transfer.js';
import { decryptUserKey, encryptUserKey } from '../../../db/repositories/metrcCredentials.js';

const LABEL = '1A4002001000000000000001';
const receipt = {
  SalesDateTime: '2026-03-01T14:05:00',
  ExternalReceiptNumber: 'POS-1',
  SalesCustomerType: 'Consumer',
  Transactions: [{ PackageLabel: LABEL, Quantity: 1, UnitOfMeasure: 'Each', TotalAmount: 10 }],
};

describe('METRC payload schemas', () => {
  it('accepts a well-formed receipt, template and adjustment', () => {
    expect(validatePayload('sales_receipt', receipt)).toEqual([]);
    expect(
      validatePayload('transfer_template', {
        Name: 'TR-1',
        Destinations: [
          {
            RecipientLicenseNumber: 'SF-SBX-CO-3-9001',
            TransferTypeName: 'Wholesale',
            EstimatedDepartureDateTime: '2026-03-01T14:00:00Z',
            EstimatedArrivalDateTime: '2026-03-02T14:00:00Z',
            Packages: [{ PackageLabel: LABEL, WholesalePrice: 12.5 }],
          },
        ],
      }),
    ).toEqual([]);
    expect(
      validatePayload('package_adjustment', { Label: LABEL, Quantity: -2, UnitOfMeasure: 'Each', AdjustmentReason: 'Damage', AdjustmentDate: '2026-03-01' }),
    ).toEqual([]);
  });

  it('names each problem by field: offsets on SalesDateTime, bad tags, unknown and missing fields', () => {
    const issues = validatePayload('sales_receipt', {
      ...receipt,
      SalesDateTime: '2026-03-01T14:05:00Z',
      Transactions: [{ PackageLabel: 'short', Quantity: 0, UnitOfMeasure: 'Each', TotalAmount: 1, Colour: 'red' }],
      ExternalReceiptNumber: undefined,
    });
    const fields = issues.map((i) => i.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'payload.SalesDateTime',
        'payload.ExternalReceiptNumber',
        'payload.Transactions[0].PackageLabel',
        'payload.Transactions[0].Quantity',
        'payload.Transactions[0].Colour',
      ]),
    );
    expect(validatePayload('package_adjustment', { Label: LABEL, Quantity: 0, UnitOfMeasure: 'Each', AdjustmentReason: 'Damage', AdjustmentDate: '1/3/26' }).map((i) => i.field)).toEqual([
      'payload.Quantity',
      'payload.AdjustmentDate',
    ]);
    expect(validatePayload('transfer_template', [])).toEqual([{ field: 'payload', issue: 'must be an object' }]);
  });

  it('derives natural keys and labels per kind', () => {
    expect(naturalKey('sales_receipt', receipt, 'id-1')).toBe('receipt:POS-1');
    expect(naturalKey('transfer_template', { Name: 'ORD-9' }, 'id-1')).toBe('template:ORD-9');
    expect(naturalKey('package_adjustment', { Label: LABEL }, 'id-1')).toBe(`adjustment:${LABEL}:id-1`);
    expect(packageLabels('sales_receipt', receipt)).toEqual([LABEL]);
  });
});

describe('receipt changes (update after a return, void)', () => {
  const update = { ...receipt, ChangeReference: 'return:900007', Sequence: 1 };
  const voiding = { ExternalReceiptNumber: 'POS-1', ChangeReference: 'void:900001', Sequence: 2 };

  it('validates the whole receipt plus the change reference and sequence', () => {
    expect(validatePayload('sales_receipt_update', update)).toEqual([]);
    expect(validatePayload('sales_receipt_void', voiding)).toEqual([]);
    expect(validatePayload('sales_receipt_void', { ...voiding, Id: 42 })).toEqual([]);
    expect(validatePayload('sales_receipt_update', { ...update, Sequence: 1.5, ChangeReference: undefined, Transactions: [] }).map((i) => i.field)).toEqual([
      'payload.ChangeReference',
      'payload.Transactions',
      'payload.Sequence',
    ]);
    // A void carries no lines: METRC's DELETE takes only the receipt's Id.
    expect(validatePayload('sales_receipt_void', { ...voiding, Transactions: [] }).map((i) => i.field)).toEqual(['payload.Transactions']);
    expect(validatePayload('sales_receipt_void', { ...voiding, Id: 0 }).map((i) => i.field)).toEqual(['payload.Id']);
  });

  it('keys an update by receipt and POS event, a void by receipt alone, and strips our fields from the wire body', () => {
    expect(naturalKey('sales_receipt_update', update, 'id-1')).toBe('receipt-update:POS-1:return:900007');
    expect(naturalKey('sales_receipt_void', voiding, 'id-1')).toBe('receipt-void:POS-1');
    expect(naturalKey('sales_receipt_void', { ...voiding, ChangeReference: 'return:900009' }, 'id-2')).toBe('receipt-void:POS-1');
    expect(changeWireBody(update)).toEqual(receipt);
    expect(packageLabels('sales_receipt_update', update)).toEqual([LABEL]);
    expect(packageLabels('sales_receipt_void', voiding)).toEqual([]);
    expect(isReceiptChange('sales_receipt_void') && isReceiptChange('sales_receipt_update') && !isReceiptChange('sales_receipt')).toBe(true);
  });
});

describe('reconciling an adjustment whose answer was lost', () => {
  const before = { quantity: 10, lastModified: '2026-01-01T00:00:00+00:00' };
  it('landed when the package moved by exactly the delta', () => {
    expect(judgeAdjustment(before, { quantity: 8, lastModified: '2026-01-02T00:00:00+00:00' }, -2)).toBe('landed');
  });
  it('not landed when the package is untouched', () => {
    expect(judgeAdjustment(before, before, -2)).toBe('not_landed');
  });
  it('unknown when something else changed the package: a person must look', () => {
    expect(judgeAdjustment(before, { quantity: 7, lastModified: '2026-01-02T00:00:00+00:00' }, -2)).toBe('unknown');
    expect(judgeAdjustment(before, { quantity: 10, lastModified: '2026-01-02T00:00:00+00:00' }, -2)).toBe('unknown');
  });
});

describe('failure descriptions', () => {
  it('prefers METRC row messages and knows which errors cannot have committed', () => {
    const e = { type: 'MetrcValidationError', code: 'METRC_VALIDATION', message: 'x', rowMessages: [{ row: 0, message: 'Package X is not available.' }] };
    expect(failureReason(e)).toBe('METRC_VALIDATION: Package X is not available.');
    expect(definitelyNotCommitted(e)).toBe(true);
    expect(definitelyNotCommitted({ type: 'MetrcUnavailableError', code: 'METRC_UNAVAILABLE', message: 'x', ambiguous: true })).toBe(false);
    expect(definitelyNotCommitted({ type: 'MetrcUnavailableError', code: 'METRC_UNAVAILABLE', message: 'x', ambiguous: false })).toBe(true);
    expect(definitelyNotCommitted({ type: 'Error', code: 'INTERNAL', message: 'db down' })).toBe(false);
  });
});

describe('transfer template for an order', () => {
  const order = {
    orderNumber: 'ORD-20260301-ABC',
    shipperLicense: 'SF-SBX-CO-21-8001',
    recipientLicense: 'SF-SBX-CO-3-9001',
    requestedDeliveryDate: '2026-03-05',
    lines: [{ itemId: 'i1', packageLabel: LABEL, lineTotalMinor: 12345, quantity: 5, unitOfMeasure: 'Each' }],
  };
  it('names the template after the order and lists every labelled package', () => {
    const b = buildTransferTemplate(order, 'Wholesale', new Date('2026-03-01T10:20:00Z'));
    expect(b.ok).toBe(true);
    if (!b.ok) return;
    expect(b.payload.Name).toBe('ORD-20260301-ABC');
    expect(validatePayload('transfer_template', b.payload)).toEqual([]);
    expect(b.payload.Destinations[0]).toMatchObject({ RecipientLicenseNumber: 'SF-SBX-CO-3-9001', EstimatedArrivalDateTime: '2026-03-05T17:00:00Z', Packages: [{ PackageLabel: LABEL, WholesalePrice: 123.45 }] });
    // The line's quantity ships, not the whole package (issue 14.2).
    expect(b.payload.Destinations[0]!.Packages).toEqual([{ PackageLabel: LABEL, Quantity: 5, UnitOfMeasure: 'Each', WholesalePrice: 123.45 }]);
  });
  it('refuses lines without a package label', () => {
    const b = buildTransferTemplate({ ...order, lines: [{ itemId: 'i1', packageLabel: null, lineTotalMinor: 1, quantity: 1, unitOfMeasure: 'Each' }] }, 'Wholesale', new Date());
    expect(b).toEqual({ ok: false, reason: expect.stringContaining('i1') });
  });
});

describe('METRC user keys at rest', () => {
  it('round-trips under the app secret and is bound to its license', () => {
    const sealed = encryptUserKey('secret-a', 'LIC-1', 'user-key-123');
    expect(sealed).not.toContain('user-key-123');
    expect(decryptUserKey('secret-a', 'LIC-1', sealed)).toBe('user-key-123');
    expect(() => decryptUserKey('secret-b', 'LIC-1', sealed)).toThrow();
    expect(() => decryptUserKey('secret-a', 'LIC-2', sealed)).toThrow();
  });
});
