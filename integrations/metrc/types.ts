/**
 * METRC v2 wire shapes in the documented PascalCase (responses are normalised to it). Only
 * fields the hub uses are listed; live objects carry many more and they are passed through.
 */

export interface MetrcFacility {
  FacilityId: number;
  Name: string;
  DisplayName?: string;
  License: { Number: string; LicenseType: string; StartDate?: string; EndDate?: string };
  FacilityType: Record<string, boolean>;
}

export interface MetrcTransferType {
  Name: string;
  TransactionType?: string;
  ForLicensedShipments?: boolean;
  RequiresPackagesGrossWeight?: boolean;
  RequiresInvoiceNumber?: boolean;
}

export interface MetrcTemplatePackage {
  PackageLabel: string;
  WholesalePrice?: number | null;
  GrossWeight?: number | null;
  GrossUnitOfWeightName?: string | null;
}

export interface MetrcTemplateDestination {
  TransferDestinationId?: number;
  RecipientLicenseNumber: string;
  TransferTypeName: string;
  PlannedRoute?: string;
  InvoiceNumber?: string | null;
  EstimatedDepartureDateTime: string;
  EstimatedArrivalDateTime: string;
  Transporters?: Record<string, unknown>[];
  Packages: MetrcTemplatePackage[];
}

/** Body row of POST/PUT /transfers/v2/templates/outgoing (PUT adds TransferTemplateId). */
export interface MetrcOutgoingTemplateInput {
  TransferTemplateId?: number;
  Name: string;
  TransporterFacilityLicenseNumber?: string | null;
  DriverOccupationalLicenseNumber?: string | null;
  DriverName?: string | null;
  DriverLicenseNumber?: string | null;
  PhoneNumberForQuestions?: string | null;
  VehicleMake?: string | null;
  VehicleModel?: string | null;
  VehicleLicensePlateNumber?: string | null;
  Destinations: MetrcTemplateDestination[];
}

export interface MetrcOutgoingTemplate {
  Id: number;
  Name: string;
  ShipperFacilityLicenseNumber?: string;
  DeliveryCount?: number;
  PackageCount?: number;
  CreatedDateTime?: string;
  LastModified: string;
}

/** Row of GET /transfers/v2/outgoing: one per delivery of a manifest. */
export interface MetrcTransfer {
  Id: number;
  ManifestNumber: string;
  Name?: string | null;
  ShipperFacilityLicenseNumber: string;
  DeliveryId: number;
  RecipientFacilityLicenseNumber: string;
  ShipmentTypeName?: string;
  PackageCount?: number;
  IsVoided?: boolean;
  CreatedDateTime?: string;
  LastModified: string;
}

export interface MetrcDelivery {
  Id: number;
  RecipientFacilityLicenseNumber: string;
  RecipientFacilityName?: string;
  ShipmentTypeName?: string;
  EstimatedDepartureDateTime?: string;
  EstimatedArrivalDateTime?: string;
  DeliveryPackageCount?: number;
}

export interface MetrcDeliveryPackage {
  PackageId?: number;
  PackageLabel: string;
  ShippedQuantity: number;
  ShippedUnitOfMeasureName: string;
  ShipmentPackageState: 'Shipped' | 'Rejected' | 'Accepted' | 'Returned' | string;
  ReceivedQuantity?: number | null;
}

export interface MetrcPackage {
  Id: number;
  Label: string;
  PackageType?: string;
  Quantity: number;
  UnitOfMeasureName: string;
  LocationName?: string | null;
  PackagedDate?: string;
  LabTestingState?: string;
  IsOnHold?: boolean;
  IsFinished?: boolean;
  ArchivedDate?: string | null;
  LastModified: string;
  Item: { Id: number; Name: string; ProductCategoryName?: string; [k: string]: unknown };
}

export interface MetrcAdjustReason {
  Name: string;
  RequiresNote?: boolean;
  RequiresWasteWeight?: boolean;
}

/**
 * A row of GET /packages/v2/adjustments (the facility's adjustment history). The endpoint is
 * confirmed live (M); the note's field name is assumed (L), so ReasonNote is read as well.
 */
export interface MetrcAdjustmentRecord {
  Id: number;
  PackageId?: number;
  PackageLabel: string;
  AdjustmentQuantity: number;
  AdjustmentReasonName?: string;
  AdjustmentDate?: string;
  AdjustmentNote?: string | null;
  ReasonNote?: string | null;
  LastModified?: string;
}

export interface MetrcPackageAdjustment {
  Label: string;
  /** Signed delta. */
  Quantity: number;
  UnitOfMeasure: string;
  AdjustmentReason: string;
  /** YYYY-MM-DD */
  AdjustmentDate: string;
  ReasonNote?: string | null;
}

export interface MetrcReceiptTransaction {
  PackageLabel: string;
  Quantity: number;
  UnitOfMeasure: string;
  TotalAmount: number;
  Price?: number | null;
  ExciseTax?: number | null;
  SalesTax?: number | null;
  DiscountAmount?: number | null;
}

export interface MetrcReceiptInput {
  /** PUT only. */
  Id?: number;
  /** Facility-local time with no offset, e.g. 2026-03-01T14:05:00. */
  SalesDateTime: string;
  ExternalReceiptNumber?: string | null;
  SalesCustomerType: string;
  PatientLicenseNumber?: string | null;
  Transactions: MetrcReceiptTransaction[];
}

export interface MetrcReceipt {
  Id: number;
  ReceiptNumber?: string | null;
  ExternalReceiptNumber?: string | null;
  SalesDateTime: string;
  SalesCustomerType: string;
  TotalPackages?: number;
  TotalPrice?: number;
  IsFinal?: boolean;
  ArchivedDate?: string | null;
  LastModified: string;
  /** Empty on list rows; fetch by id for the lines. */
  Transactions: (MetrcReceiptTransaction & Record<string, unknown>)[];
}

export interface MetrcWriteResult {
  /** Ids of created objects, in posted order (v2 POST only). */
  ids: number[];
  warnings: unknown[];
}

/** Inclusive lastModified window; dates are sent as ISO 8601 in UTC. */
export interface MetrcWindow {
  lastModifiedStart: Date | string;
  lastModifiedEnd: Date | string;
}
