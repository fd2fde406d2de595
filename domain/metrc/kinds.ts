/**
 * The kinds of METRC write Trellis submits, the shape of each payload (one METRC body row,
 * PascalCase as on the wire) and each kind's natural key: the identity METRC itself lets us
 * look the record up by, which is how a write whose answer was lost is reconciled.
 *
 * Receipt changes (`sales_receipt_update`: PUT with the receipt's remaining lines after a POS
 * return; `sales_receipt_void`: DELETE after a POS void, or a return of everything) name the
 * receipt by its ExternalReceiptNumber; METRC's receipt Id is found when the change is sent,
 * since the receipt may still be on its way. Their payloads carry two fields METRC never sees:
 * `ChangeReference` (the POS event, part of the natural key so a re-read event queues nothing
 * new) and `Sequence` (changes to one receipt are sent one after another in this order).
 */
import { array, bool, num, object, oneOf, optional, str, type Check, type FieldIssue } from './schema.js';

export const SUBMISSION_KINDS = [
  'transfer_template',
  'sales_receipt',
  'package_adjustment',
  'sales_receipt_update',
  'sales_receipt_void',
] as const;
export type SubmissionKind = (typeof SUBMISSION_KINDS)[number];

/** Kinds that change a receipt already (or soon) in METRC; they wait for it before sending. */
export const RECEIPT_CHANGE_KINDS = ['sales_receipt_update', 'sales_receipt_void'] as const;
export type ReceiptChangeKind = (typeof RECEIPT_CHANGE_KINDS)[number];
export const isReceiptChange = (k: string): k is ReceiptChangeKind => (RECEIPT_CHANGE_KINDS as readonly string[]).includes(k);

/** Payload fields of a receipt change that are ours, not METRC's: stripped before sending. */
export const CHANGE_ONLY_FIELDS = ['ChangeReference', 'Sequence'] as const;

/** parked: the license's key is refused; waits for a working key (or a person's discard). */
export const SUBMISSION_STATUSES = ['pending', 'submitting', 'parked', 'succeeded', 'failed', 'discarded'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

export const isSubmissionKind = (v: unknown): v is SubmissionKind =>
  typeof v === 'string' && (SUBMISSION_KINDS as readonly string[]).includes(v);

export const PACKAGE_LABEL = /^[0-9A-Z]{24}$/;
const label = str({ pattern: PACKAGE_LABEL, hint: 'must be a 24-character METRC tag (0-9, A-Z)' });
const dateTime = str({
  max: 40,
  pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/,
  hint: 'must be an ISO 8601 date-time',
});
/** SalesDateTime is facility-local time: an offset would be misread by METRC. */
const localDateTime = str({
  max: 30,
  pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/,
  hint: 'must be facility-local time without an offset (YYYY-MM-DDTHH:mm:ss)',
});
const text = (max = 255) => optional(str({ max }));
const money = optional(num({ min: 0 }));

const templatePackage = object(
  {
    PackageLabel: label,
    // What ships from the package (the order line's quantity); the rest stays with the shipper.
    Quantity: optional(num({ min: 0, exclusiveMin: true })),
    UnitOfMeasure: text(32),
    WholesalePrice: money,
    GrossWeight: optional(num({ min: 0, exclusiveMin: true })),
    GrossUnitOfWeightName: text(32),
  },
  ['PackageLabel'],
);

const transporter = object(
  {
    TransporterFacilityLicenseNumber: text(64),
    DriverOccupationalLicenseNumber: text(64),
    DriverName: text(),
    DriverLicenseNumber: text(64),
    PhoneNumberForQuestions: text(32),
    VehicleMake: text(),
    VehicleModel: text(),
    VehicleLicensePlateNumber: text(32),
    IsLayover: optional(bool()),
    EstimatedDepartureDateTime: optional(dateTime),
    EstimatedArrivalDateTime: optional(dateTime),
    TransporterDetails: optional(array(object({}), { max: 10 })),
  },
  [],
);

const destination = object(
  {
    RecipientLicenseNumber: str({ max: 64 }),
    TransferTypeName: str({ max: 100 }),
    PlannedRoute: text(2000),
    InvoiceNumber: text(100),
    EstimatedDepartureDateTime: dateTime,
    EstimatedArrivalDateTime: dateTime,
    Transporters: optional(array(transporter, { max: 10 })),
    Packages: array(templatePackage, { min: 1, max: 500 }),
  },
  ['RecipientLicenseNumber', 'TransferTypeName', 'EstimatedDepartureDateTime', 'EstimatedArrivalDateTime', 'Packages'],
);

const receiptTransaction = object(
  {
    PackageLabel: label,
    Quantity: num({ min: 0, exclusiveMin: true }),
    UnitOfMeasure: str({ max: 32 }),
    TotalAmount: num({ min: 0 }),
    Price: money,
    ExciseTax: money,
    SalesTax: money,
    CityTax: money,
    CountyTax: money,
    MunicipalTax: money,
    DiscountAmount: money,
    SubTotal: money,
    QrCodes: text(2000),
  },
  ['PackageLabel', 'Quantity', 'UnitOfMeasure', 'TotalAmount'],
);

const receiptFields = {
  SalesDateTime: localDateTime,
  // Required here although optional in METRC: it is the only key a lost answer can be
  // reconciled by, so a receipt without one could be duplicated.
  ExternalReceiptNumber: str({ max: 100 }),
  SalesCustomerType: oneOf(['Consumer', 'Patient', 'Caregiver', 'ExternalPatient']),
  PatientLicenseNumber: text(64),
  CaregiverLicenseNumber: text(64),
  IdentificationMethod: text(64),
  Transactions: array(receiptTransaction, { min: 1, max: 500 }),
};
const receiptRequired = ['SalesDateTime', 'ExternalReceiptNumber', 'SalesCustomerType', 'Transactions'];

const changeFields = {
  /** METRC's receipt Id when known up front (manual changes); otherwise looked up when sent. */
  Id: optional(num({ min: 1, integer: true })),
  ChangeReference: str({ max: 100 }),
  Sequence: num({ min: 1, integer: true }),
};

const SCHEMAS: Record<SubmissionKind, Check> = {
  transfer_template: object(
    {
      Name: str({ max: 200 }),
      TransporterFacilityLicenseNumber: text(64),
      DriverOccupationalLicenseNumber: text(64),
      DriverName: text(),
      DriverLicenseNumber: text(64),
      PhoneNumberForQuestions: text(32),
      VehicleMake: text(),
      VehicleModel: text(),
      VehicleLicensePlateNumber: text(32),
      Destinations: array(destination, { min: 1, max: 50 }),
    },
    ['Name', 'Destinations'],
  ),
  sales_receipt: object(receiptFields, receiptRequired),
  // The whole receipt as it stands after the change (PUT replaces every line).
  sales_receipt_update: object({ ...receiptFields, ...changeFields }, [...receiptRequired, 'ChangeReference', 'Sequence']),
  sales_receipt_void: object(
    { ExternalReceiptNumber: str({ max: 100 }), ...changeFields },
    ['ExternalReceiptNumber', 'ChangeReference', 'Sequence'],
  ),
  package_adjustment: object(
    {
      Label: label,
      Quantity: num({ nonZero: true }),
      UnitOfMeasure: str({ max: 32 }),
      AdjustmentReason: str({ max: 100 }),
      AdjustmentDate: str({ pattern: /^\d{4}-\d{2}-\d{2}$/, hint: 'must be YYYY-MM-DD' }),
      ReasonNote: text(2000),
    },
    ['Label', 'Quantity', 'UnitOfMeasure', 'AdjustmentReason', 'AdjustmentDate'],
  ),
};

/** Field issues of a payload for `kind`; empty when it is acceptable. */
export function validatePayload(kind: SubmissionKind, payload: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  SCHEMAS[kind](payload, '', issues);
  return issues.map((i) => ({ field: i.field ? `payload.${i.field}` : 'payload', issue: i.issue }));
}

export type TransferTemplatePayload = {
  Name: string;
  Destinations: ({ RecipientLicenseNumber: string; Packages: { PackageLabel: string }[] } & Record<string, unknown>)[];
} & Record<string, unknown>;
export type SalesReceiptPayload = {
  ExternalReceiptNumber: string;
  Transactions: { PackageLabel: string }[];
} & Record<string, unknown>;
export type ReceiptChangePayload = {
  ExternalReceiptNumber: string;
  ChangeReference: string;
  Sequence: number;
  Id?: number | null;
} & Record<string, unknown>;
export type ReceiptUpdatePayload = ReceiptChangePayload & {
  Transactions: { PackageLabel: string; Quantity: number }[];
};
export type PackageAdjustmentPayload = {
  Label: string;
  Quantity: number;
  UnitOfMeasure: string;
} & Record<string, unknown>;

/**
 * The identity METRC knows the record by. Adjustments have none in METRC (the same package
 * may be adjusted many times), so theirs is label plus submission id; their reconciliation
 * compares the package against the state seen just before the write (see preImage).
 */
export function naturalKey(kind: SubmissionKind, payload: Record<string, unknown>, submissionId: string): string {
  switch (kind) {
    case 'transfer_template':
      return `template:${String(payload.Name)}`;
    case 'sales_receipt':
      return receiptKey(String(payload.ExternalReceiptNumber));
    case 'package_adjustment':
      return `adjustment:${String(payload.Label)}:${submissionId}`;
    case 'sales_receipt_update':
      return `${receiptUpdateKeyPrefix(String(payload.ExternalReceiptNumber))}${String(payload.ChangeReference)}`;
    case 'sales_receipt_void':
      // One void per receipt, whatever POS event asked for it.
      return receiptVoidKey(String(payload.ExternalReceiptNumber));
  }
}

export const receiptKey = (externalNumber: string) => `receipt:${externalNumber}`;
export const receiptVoidKey = (externalNumber: string) => `receipt-void:${externalNumber}`;
export const receiptUpdateKeyPrefix = (externalNumber: string) => `receipt-update:${externalNumber}:`;

/** The METRC body of a receipt change: the payload without our own bookkeeping fields. */
export function changeWireBody(payload: Record<string, unknown>): Record<string, unknown> {
  const body = { ...payload };
  for (const f of CHANGE_ONLY_FIELDS) delete body[f];
  return body;
}

/** Package labels a payload touches, for search and for matching manifests. */
export function packageLabels(kind: SubmissionKind, payload: Record<string, unknown>): string[] {
  switch (kind) {
    case 'transfer_template':
      return (payload as TransferTemplatePayload).Destinations.flatMap((d) => d.Packages.map((p) => p.PackageLabel));
    case 'sales_receipt':
      return (payload as SalesReceiptPayload).Transactions.map((t) => t.PackageLabel);
    case 'package_adjustment':
      return [(payload as PackageAdjustmentPayload).Label];
    case 'sales_receipt_update':
      return (payload as ReceiptUpdatePayload).Transactions.map((t) => t.PackageLabel);
    case 'sales_receipt_void':
      return [];
  }
}

export interface PackagePreImage {
  quantity: number;
  lastModified: string;
}

export type AdjustmentVerdict = 'landed' | 'not_landed' | 'unknown';

/**
 * Whether an adjustment whose answer was lost was committed, judged from the package before
 * the write and now. A package changed by something else in between cannot be judged: the
 * hub then stops and asks a person rather than risk adjusting twice.
 */
export function judgeAdjustment(
  before: PackagePreImage,
  now: PackagePreImage,
  delta: number,
): AdjustmentVerdict {
  const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;
  if (close(now.quantity, before.quantity + delta)) return 'landed';
  if (close(now.quantity, before.quantity) && now.lastModified === before.lastModified) return 'not_landed';
  return 'unknown';
}
