/**
 * The sandbox's in-memory METRC: what exists, who owns it and which ids come next. Routes
 * validate and then mutate through here; tests read it (or GET /__sandbox/state) to prove
 * that a retried write produced no duplicate.
 */
import type { DemoFacility, SandboxSeed } from './demo-data.js';

export type PackageStatus = 'active' | 'transferred' | 'finished';

export interface SbPackage {
  Id: number;
  Label: string;
  PackageType: string;
  Quantity: number;
  UnitOfMeasureName: string;
  LocationName: string | null;
  PackagedDate: string;
  LabTestingState: string;
  IsOnHold: boolean;
  IsFinished: boolean;
  ArchivedDate: string | null;
  LastModified: string;
  Item: { Id: number; Name: string; ProductCategoryName: string; UnitOfMeasureName: string };
  /** Sandbox bookkeeping, not sent on the wire. */
  licenseNumber: string;
  status: PackageStatus;
}

export interface SbTemplate {
  Id: number;
  licenseNumber: string;
  archived: boolean;
  createdAt: string;
  lastModified: string;
  /** The body row as posted (destinations carry TransferDestinationId once stored). */
  body: Record<string, unknown> & { Name: string; Destinations: SbTemplateDestination[] };
}

export interface SbTemplateDestination extends Record<string, unknown> {
  TransferDestinationId: number;
  RecipientLicenseNumber: string;
  TransferTypeName: string;
  EstimatedDepartureDateTime: string;
  EstimatedArrivalDateTime: string;
  /** Quantity: what ships from the package (absent = the whole package). */
  Packages: { PackageLabel: string; Quantity?: number | null; WholesalePrice?: number | null }[];
}

export interface SbDeliveryPackage {
  PackageId: number;
  PackageLabel: string;
  ProductName: string;
  ShippedQuantity: number;
  ShippedUnitOfMeasureName: string;
  ShipmentPackageState: 'Shipped' | 'Rejected' | 'Accepted' | 'Returned';
  ReceivedQuantity: number | null;
  ShipperWholesalePrice: number | null;
}

export interface SbDelivery {
  Id: number;
  RecipientFacilityLicenseNumber: string;
  RecipientFacilityName: string;
  ShipmentTypeName: string;
  EstimatedDepartureDateTime: string;
  EstimatedArrivalDateTime: string;
  packages: SbDeliveryPackage[];
}

export interface SbTransfer {
  Id: number;
  ManifestNumber: string;
  Name: string;
  templateId: number;
  shipperLicense: string;
  IsVoided: boolean;
  createdAt: string;
  lastModified: string;
  deliveries: SbDelivery[];
}

export interface SbTransaction {
  PackageId: number;
  PackageLabel: string;
  ProductName: string;
  Quantity: number;
  UnitOfMeasure: string;
  TotalAmount: number;
  Price: number | null;
  ExciseTax: number | null;
  SalesTax: number | null;
  DiscountAmount: number | null;
}

export interface SbReceipt {
  Id: number;
  licenseNumber: string;
  ReceiptNumber: string;
  ExternalReceiptNumber: string | null;
  SalesDateTime: string;
  SalesCustomerType: string;
  PatientLicenseNumber: string | null;
  IsFinal: boolean;
  ArchivedDate: string | null;
  RecordedDateTime: string;
  LastModified: string;
  Transactions: SbTransaction[];
}

/** One recorded package adjustment, as GET /packages/v2/adjustments lists it. */
export interface SbAdjustment {
  Id: number;
  PackageId: number;
  PackageLabel: string;
  AdjustmentQuantity: number;
  AdjustmentUnitOfMeasureName: string;
  AdjustmentReasonName: string;
  AdjustmentDate: string;
  AdjustmentNote: string | null;
  LastModified: string;
  licenseNumber: string;
}

/** One request as it arrived (tests order a late commit against the checks around it). */
export interface SbRequest {
  at: number;
  method: string;
  path: string;
}

export interface SandboxCounters {
  requests: number;
  writes: number;
  faults: Record<string, number>;
  rateLimited: number;
}

/** Timestamps as METRC prints them: ISO 8601 with an explicit +00:00 offset. */
export const stamp = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');

export class SandboxStore {
  vendorKeys = new Set<string>();
  users = new Map<string, Set<string>>();
  facilities: DemoFacility[] = [];
  packages = new Map<string, SbPackage>();
  templates = new Map<number, SbTemplate>();
  transfers = new Map<number, SbTransfer>();
  receipts = new Map<number, SbReceipt>();
  adjustments: SbAdjustment[] = [];
  /** The latest requests (bounded), oldest first. */
  requestLog: SbRequest[] = [];
  counters: SandboxCounters = { requests: 0, writes: 0, faults: {}, rateLimited: 0 };
  private seq = 0;

  constructor(
    private readonly seed: SandboxSeed,
    readonly now: () => Date = () => new Date(),
  ) {
    this.reset();
  }

  /** Back to the seed: every write, counter and id sequence is forgotten. */
  reset(): void {
    const s = structuredClone(this.seed);
    this.vendorKeys = new Set(s.vendorKeys);
    this.users = new Map(s.users.map((u) => [u.userKey, new Set(u.licenses)]));
    this.facilities = s.facilities;
    this.packages = new Map();
    const items = new Map(s.items.map((i) => [i.id, i]));
    for (const p of s.packages) {
      this.packages.set(p.label, {
        Id: p.id,
        Label: p.label,
        PackageType: 'Product',
        Quantity: p.quantity,
        UnitOfMeasureName: p.unitOfMeasure,
        LocationName: 'Vault',
        PackagedDate: p.packagedDate,
        LabTestingState: 'TestPassed',
        IsOnHold: false,
        IsFinished: false,
        ArchivedDate: null,
        LastModified: stamp(new Date(p.lastModified)),
        Item: {
          Id: p.itemId,
          Name: p.itemName,
          ProductCategoryName: p.category,
          UnitOfMeasureName: items.get(p.itemId)?.unitOfMeasure ?? p.unitOfMeasure,
        },
        licenseNumber: p.licenseNumber,
        status: 'active',
      });
    }
    this.templates = new Map();
    this.transfers = new Map();
    this.receipts = new Map();
    this.adjustments = [];
    this.requestLog = [];
    this.counters = { requests: 0, writes: 0, faults: {}, rateLimited: 0 };
    this.seq = 0;
  }

  logRequest(method: string, path: string): void {
    this.requestLog.push({ at: Date.now(), method, path });
    if (this.requestLog.length > 20_000) this.requestLog.splice(0, 10_000);
  }

  nextId(): number {
    return 100_000 + ++this.seq;
  }

  nowStamp(): string {
    return stamp(this.now());
  }

  facility(licenseNumber: string): DemoFacility | undefined {
    return this.facilities.find((f) => f.licenseNumber === licenseNumber);
  }

  findPackage(idOrLabel: string): SbPackage | undefined {
    const byLabel = this.packages.get(idOrLabel.toUpperCase());
    if (byLabel || !/^\d+$/.test(idOrLabel)) return byLabel;
    const id = Number(idOrLabel);
    return [...this.packages.values()].find((p) => p.Id === id);
  }

  /** Active package of this facility, or undefined when the tag is unknown, foreign or gone. */
  availablePackage(licenseNumber: string, label: unknown): SbPackage | undefined {
    if (typeof label !== 'string') return undefined;
    const p = this.packages.get(label);
    return p && p.licenseNumber === licenseNumber && p.status === 'active' && !p.IsOnHold ? p : undefined;
  }

  findDelivery(deliveryId: number): { transfer: SbTransfer; delivery: SbDelivery } | undefined {
    for (const transfer of this.transfers.values()) {
      const delivery = transfer.deliveries.find((d) => d.Id === deliveryId);
      if (delivery) return { transfer, delivery };
    }
    return undefined;
  }

  /** Counts by natural key, the numbers a "no duplicates" assertion needs. */
  summary() {
    const tally = (keys: (string | null)[]) => {
      const out: Record<string, number> = {};
      for (const k of keys) if (k !== null) out[k] = (out[k] ?? 0) + 1;
      return out;
    };
    const templates = [...this.templates.values()];
    const receipts = [...this.receipts.values()];
    const transfers = [...this.transfers.values()];
    return {
      counts: {
        facilities: this.facilities.length,
        packages: this.packages.size,
        activePackages: [...this.packages.values()].filter((p) => p.status === 'active').length,
        templates: templates.filter((t) => !t.archived).length,
        archivedTemplates: templates.filter((t) => t.archived).length,
        transfers: transfers.filter((t) => !t.IsVoided).length,
        voidedTransfers: transfers.filter((t) => t.IsVoided).length,
        receipts: receipts.filter((r) => !r.ArchivedDate).length,
        voidedReceipts: receipts.filter((r) => r.ArchivedDate).length,
        adjustments: this.adjustments.length,
      },
      templatesByName: tally(templates.filter((t) => !t.archived).map((t) => t.body.Name)),
      receiptsByExternalNumber: tally(receipts.filter((r) => !r.ArchivedDate).map((r) => r.ExternalReceiptNumber)),
      manifests: transfers.map((t) => ({
        transferId: t.Id,
        manifestNumber: t.ManifestNumber,
        templateId: t.templateId,
        isVoided: t.IsVoided,
        packageLabels: t.deliveries.flatMap((d) => d.packages.map((p) => p.PackageLabel)),
      })),
      counters: this.counters,
    };
  }
}

export type SandboxSummary = ReturnType<SandboxStore['summary']>;
