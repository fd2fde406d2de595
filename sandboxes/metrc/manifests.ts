/**
 * What a METRC user does in the web UI and the API cannot: register a template as a manifest,
 * void it, edit it. The admin routes call these to create manifests and to simulate drift
 * between what Trellis planned and what was actually shipped.
 */
import type { SandboxStore, SbDelivery, SbDeliveryPackage, SbPackage, SbTransfer } from './store.js';

export class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Ships `quantity` of the package (the template's Quantity), or all of it. What is not shipped
 * stays with the shipper as the same, still active package.
 */
function ship(store: SandboxStore, p: SbPackage, price: number | null | undefined, now: string, quantity?: number | null): SbDeliveryPackage {
  const partial = quantity != null && quantity < p.Quantity;
  const shipped = partial ? quantity : p.Quantity;
  if (partial) p.Quantity -= quantity;
  else p.status = 'transferred';
  p.LastModified = now;
  return {
    PackageId: p.Id,
    PackageLabel: p.Label,
    ProductName: p.Item.Name,
    ShippedQuantity: shipped,
    ShippedUnitOfMeasureName: p.UnitOfMeasureName,
    ShipmentPackageState: 'Shipped',
    ReceivedQuantity: null,
    ShipperWholesalePrice: price ?? null,
  };
}

function unship(store: SandboxStore, shipped: SbDeliveryPackage, now: string): void {
  const p = store.packages.get(shipped.PackageLabel);
  if (p && p.status === 'transferred') {
    p.status = 'active';
    p.LastModified = now;
  } else if (p) {
    // A partial shipment comes back into the package it left.
    p.Quantity += shipped.ShippedQuantity;
    p.LastModified = now;
  }
}

export function registerManifest(store: SandboxStore, templateId: number): SbTransfer {
  const t = store.templates.get(templateId);
  if (!t || t.archived) throw new AdminError(404, `Template ${templateId} not found or archived.`);
  const labels = t.body.Destinations.flatMap((d) => d.Packages.map((p) => p.PackageLabel));
  const unavailable = labels.filter((l) => !store.availablePackage(t.licenseNumber, l));
  if (unavailable.length) throw new AdminError(409, `Packages no longer available: ${unavailable.join(', ')}`);
  const now = store.nowStamp();
  const id = store.nextId();
  const deliveries: SbDelivery[] = t.body.Destinations.map((d) => ({
    Id: store.nextId(),
    RecipientFacilityLicenseNumber: d.RecipientLicenseNumber,
    RecipientFacilityName: store.facility(d.RecipientLicenseNumber)?.name ?? '',
    ShipmentTypeName: d.TransferTypeName,
    EstimatedDepartureDateTime: d.EstimatedDepartureDateTime,
    EstimatedArrivalDateTime: d.EstimatedArrivalDateTime,
    packages: d.Packages.map((p) => ship(store, store.packages.get(p.PackageLabel)!, p.WholesalePrice, now, p.Quantity)),
  }));
  const transfer: SbTransfer = {
    Id: id,
    ManifestNumber: String(id).padStart(10, '0'),
    Name: t.body.Name,
    templateId,
    shipperLicense: t.licenseNumber,
    IsVoided: false,
    createdAt: now,
    lastModified: now,
    deliveries,
  };
  store.transfers.set(id, transfer);
  return transfer;
}

function liveTransfer(store: SandboxStore, id: number): SbTransfer {
  const t = store.transfers.get(id);
  if (!t) throw new AdminError(404, `Transfer ${id} not found.`);
  if (t.IsVoided) throw new AdminError(409, `Transfer ${id} is voided.`);
  return t;
}

/** Voiding returns the packages to the shipper's active inventory. */
export function voidTransfer(store: SandboxStore, id: number): SbTransfer {
  const t = liveTransfer(store, id);
  const now = store.nowStamp();
  for (const d of t.deliveries) for (const p of d.packages) unship(store, p, now);
  t.IsVoided = true;
  t.lastModified = now;
  return t;
}

export interface TransferEdit {
  /** Which delivery to edit; defaults to the first. */
  deliveryId?: number;
  removePackageLabels?: string[];
  addPackageLabels?: string[];
  recipientLicenseNumber?: string;
  estimatedArrivalDateTime?: string;
}

export function editTransfer(store: SandboxStore, id: number, edit: TransferEdit): SbTransfer {
  const t = liveTransfer(store, id);
  const d = edit.deliveryId === undefined ? t.deliveries[0] : t.deliveries.find((x) => x.Id === edit.deliveryId);
  if (!d) throw new AdminError(404, `Delivery ${edit.deliveryId} not found on transfer ${id}.`);
  const now = store.nowStamp();
  const add = (edit.addPackageLabels ?? []).map((l) => {
    const p = store.availablePackage(t.shipperLicense, l);
    if (!p) throw new AdminError(409, `Package ${l} is not available to add.`);
    return p;
  });
  if (edit.recipientLicenseNumber !== undefined) {
    const f = store.facility(edit.recipientLicenseNumber);
    if (!f) throw new AdminError(400, `Unknown recipient ${edit.recipientLicenseNumber}.`);
    d.RecipientFacilityLicenseNumber = f.licenseNumber;
    d.RecipientFacilityName = f.name;
  }
  if (edit.estimatedArrivalDateTime !== undefined) d.EstimatedArrivalDateTime = edit.estimatedArrivalDateTime;
  const remove = new Set(edit.removePackageLabels ?? []);
  for (const p of d.packages) if (remove.has(p.PackageLabel)) unship(store, p, now);
  d.packages = d.packages.filter((p) => !remove.has(p.PackageLabel));
  for (const p of add) d.packages.push(ship(store, p, null, now));
  t.lastModified = now;
  return t;
}
