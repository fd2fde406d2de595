/**
 * The correction form of each METRC submission kind: which payload fields a person may change,
 * how each is entered, and where a kind keeps its rows (receipt lines, template packages). The
 * identity fields METRC knows the record by (receipt number, template name, change reference)
 * are shown read-only: changing them would make a different record, not a correction.
 */
export type FieldType = 'text' | 'number' | 'datetime' | 'date' | 'select' | 'label';
export interface FieldSpec {
  key: string;
  label: string;
  type: FieldType;
  options?: readonly string[];
  readonly?: boolean;
  required?: boolean;
}
export interface RowsSpec {
  /** Where the rows are, from the object holding them. */
  key: string;
  label: string;
  fields: FieldSpec[];
}
export interface GroupSpec {
  /** null: the payload itself; otherwise an array of objects (e.g. transfer destinations). */
  key: string | null;
  label: string;
  fields: FieldSpec[];
  rows?: RowsSpec;
}
export interface KindForm {
  groups: GroupSpec[];
}

const receiptLines: RowsSpec = {
  key: 'Transactions',
  label: 'Lines',
  fields: [
    { key: 'PackageLabel', label: 'Package', type: 'label', required: true },
    { key: 'Quantity', label: 'Quantity', type: 'number', required: true },
    { key: 'UnitOfMeasure', label: 'Unit', type: 'text', required: true },
    { key: 'TotalAmount', label: 'Total amount', type: 'number', required: true },
  ],
};
const receiptHeader: FieldSpec[] = [
  { key: 'ExternalReceiptNumber', label: 'Receipt number', type: 'text', readonly: true },
  { key: 'SalesDateTime', label: 'Sold at (facility time)', type: 'datetime', required: true },
  { key: 'SalesCustomerType', label: 'Customer type', type: 'select', options: ['Consumer', 'Patient', 'Caregiver', 'ExternalPatient'], required: true },
];

export const KIND_FORMS: Record<string, KindForm> = {
  sales_receipt: { groups: [{ key: null, label: 'Receipt', fields: receiptHeader, rows: receiptLines }] },
  sales_receipt_update: {
    groups: [{ key: null, label: 'Receipt change', fields: [...receiptHeader, { key: 'ChangeReference', label: 'POS event', type: 'text', readonly: true }], rows: receiptLines }],
  },
  sales_receipt_void: {
    groups: [{ key: null, label: 'Receipt void', fields: [{ key: 'ExternalReceiptNumber', label: 'Receipt number', type: 'text', readonly: true }, { key: 'ChangeReference', label: 'POS event', type: 'text', readonly: true }] }],
  },
  package_adjustment: {
    groups: [
      {
        key: null,
        label: 'Adjustment',
        fields: [
          { key: 'Label', label: 'Package', type: 'label', required: true },
          { key: 'Quantity', label: 'Quantity (negative removes)', type: 'number', required: true },
          { key: 'UnitOfMeasure', label: 'Unit', type: 'text', required: true },
          { key: 'AdjustmentReason', label: 'Reason', type: 'text', required: true },
          { key: 'AdjustmentDate', label: 'Date', type: 'date', required: true },
          { key: 'ReasonNote', label: 'Note', type: 'text' },
        ],
      },
    ],
  },
  transfer_template: {
    groups: [
      { key: null, label: 'Template', fields: [{ key: 'Name', label: 'Template name', type: 'text', readonly: true }, { key: 'DriverName', label: 'Driver', type: 'text' }, { key: 'VehicleLicensePlateNumber', label: 'Vehicle plate', type: 'text' }] },
      {
        key: 'Destinations',
        label: 'Destination',
        fields: [
          { key: 'RecipientLicenseNumber', label: 'Recipient licence', type: 'text', required: true },
          { key: 'EstimatedDepartureDateTime', label: 'Departs', type: 'text', required: true },
          { key: 'EstimatedArrivalDateTime', label: 'Arrives', type: 'text', required: true },
        ],
        rows: {
          key: 'Packages',
          label: 'Packages',
          fields: [
            { key: 'PackageLabel', label: 'Package', type: 'label', required: true },
            { key: 'Quantity', label: 'Quantity', type: 'number' },
            { key: 'WholesalePrice', label: 'Wholesale price', type: 'number' },
          ],
        },
      },
    ],
  },
};

export type Json = Record<string, unknown>;

/** The objects a group edits: the payload itself, or each element of its array. */
export function groupObjects(payload: Json, group: GroupSpec): Json[] {
  if (group.key === null) return [payload];
  const v = payload[group.key];
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Json[]) : [];
}
export function rowsOf(obj: Json, rows: RowsSpec | undefined): Json[] {
  if (!rows) return [];
  const v = obj[rows.key];
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Json[]) : [];
}

/** A typed input's value back into the payload: numbers stay numbers, empty optional fields go. */
export function setField(obj: Json, field: FieldSpec, raw: string): void {
  if (raw === '' && !field.required) {
    delete obj[field.key];
    return;
  }
  if (field.type === 'number') {
    const n = Number(raw);
    obj[field.key] = raw.trim() === '' || Number.isNaN(n) ? raw : n;
    return;
  }
  obj[field.key] = raw;
}

/** Messages naming a value shown in a row (a package label) belong beside that row. */
export function messagesFor(messages: Array<{ message: string }>, values: unknown[]): string[] {
  const texts = values.filter((v): v is string => typeof v === 'string' && v.length >= 6);
  return messages.filter((m) => texts.some((t) => m.message.includes(t))).map((m) => m.message);
}
