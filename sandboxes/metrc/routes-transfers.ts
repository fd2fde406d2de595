/**
 * Transfers as the API sees them: types, outgoing templates (the only licensed-transfer write
 * METRC allows), and read-only manifests with their deliveries and packages. Manifests come
 * into being through the admin route that plays the METRC user registering a template.
 */
import { Router, type Response } from 'express';
import { actingLicense, caller } from './auth.js';
import { TRANSFER_TYPES } from './reference-data.js';
import type { SandboxStore, SbDelivery, SbTemplate, SbTemplateDestination, SbTransfer } from './store.js';
import {
  isNonEmptyString,
  lastModifiedFilter,
  sendEmptyOk,
  sendIds,
  sendList,
  sendMessage,
  sendRowErrors,
  writeRows,
  type RowMessage,
} from './wire.js';

const TEMPLATE_PATH = '/transfers/v2/templates/outgoing';
const isDateTime = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

function templateRow(store: SandboxStore, t: SbTemplate) {
  const b = t.body;
  return {
    Id: t.Id,
    Name: b.Name,
    ShipperFacilityLicenseNumber: t.licenseNumber,
    ShipperFacilityName: store.facility(t.licenseNumber)?.name ?? null,
    TransporterFacilityLicenseNumber: b.TransporterFacilityLicenseNumber ?? null,
    DriverName: b.DriverName ?? null,
    DriverOccupationalLicenseNumber: b.DriverOccupationalLicenseNumber ?? null,
    VehicleMake: b.VehicleMake ?? null,
    VehicleModel: b.VehicleModel ?? null,
    VehicleLicensePlateNumber: b.VehicleLicensePlateNumber ?? null,
    DeliveryCount: b.Destinations.length,
    PackageCount: b.Destinations.reduce((n, d) => n + d.Packages.length, 0),
    CreatedDateTime: t.createdAt,
    LastModified: t.lastModified,
  };
}

export function transferRow(store: SandboxStore, t: SbTransfer, d: SbDelivery) {
  return {
    Id: t.Id,
    ManifestNumber: t.ManifestNumber,
    Name: t.Name,
    ShipperFacilityLicenseNumber: t.shipperLicense,
    ShipperFacilityName: store.facility(t.shipperLicense)?.name ?? null,
    DeliveryId: d.Id,
    RecipientFacilityLicenseNumber: d.RecipientFacilityLicenseNumber,
    RecipientFacilityName: d.RecipientFacilityName,
    ShipmentTypeName: d.ShipmentTypeName,
    ShipmentTransactionType: 'Standard',
    EstimatedDepartureDateTime: d.EstimatedDepartureDateTime,
    EstimatedArrivalDateTime: d.EstimatedArrivalDateTime,
    PackageCount: d.packages.length,
    IsVoided: t.IsVoided,
    CreatedDateTime: t.createdAt,
    LastModified: t.lastModified,
  };
}

/** Row messages for one template body row; `isUpdate` also checks TransferTemplateId. */
function validateTemplate(
  store: SandboxStore,
  license: string,
  row: Record<string, unknown>,
  i: number,
  isUpdate: boolean,
) {
  const errors: RowMessage[] = [];
  const err = (message: string) => errors.push({ row: i, message });
  if (isUpdate) {
    const t = store.templates.get(Number(row.TransferTemplateId));
    if (!t || t.archived || t.licenseNumber !== license)
      err(`Transfer template ${String(row.TransferTemplateId ?? '')} was not found.`);
  }
  if (!isNonEmptyString(row.Name)) err('Name is required.');
  const destinations = row.Destinations;
  if (!Array.isArray(destinations) || destinations.length === 0) {
    err('At least one destination is required.');
    return errors;
  }
  const seen = new Set<string>();
  for (const raw of destinations as unknown[]) {
    const d = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const recipient = d.RecipientLicenseNumber;
    if (typeof recipient !== 'string' || !store.facility(recipient))
      err(`Recipient license ${String(recipient ?? '')} is not valid.`);
    else if (recipient === license) err('The recipient must be a different facility than the shipper.');
    const type = TRANSFER_TYPES.find((t) => t.Name === d.TransferTypeName);
    if (!type) err(`Transfer type ${String(d.TransferTypeName ?? '')} is not valid.`);
    if (type?.RequiresInvoiceNumber && !isNonEmptyString(d.InvoiceNumber))
      err('An invoice number is required for this transfer type.');
    if (!isDateTime(d.EstimatedDepartureDateTime)) err('EstimatedDepartureDateTime is required.');
    if (!isDateTime(d.EstimatedArrivalDateTime)) err('EstimatedArrivalDateTime is required.');
    if (!Array.isArray(d.Packages) || d.Packages.length === 0) {
      err('At least one package is required per destination.');
      continue;
    }
    for (const p of d.Packages as Record<string, unknown>[]) {
      const label = p?.PackageLabel;
      const pkg = store.availablePackage(license, label);
      if (!pkg) err(`Package ${String(label ?? '')} is not available.`);
      else if (seen.has(label as string)) err(`Package ${String(label)} is listed more than once.`);
      else seen.add(label as string);
      // A partial shipment names its quantity; it cannot exceed what the package holds.
      if (pkg && p?.Quantity != null && !(typeof p.Quantity === 'number' && p.Quantity > 0 && p.Quantity <= pkg.Quantity))
        err(`Package ${String(label)} holds ${pkg.Quantity} ${pkg.UnitOfMeasureName}; cannot ship ${String(p.Quantity)}.`);
      if (type?.RequiresPackagesGrossWeight && typeof p?.GrossWeight !== 'number')
        err(`Package ${String(label)} needs a gross weight.`);
    }
  }
  return errors;
}

function storedDestinations(
  store: SandboxStore,
  row: Record<string, unknown>,
  previous?: SbTemplate,
): SbTemplateDestination[] {
  const known = new Set(previous?.body.Destinations.map((d) => d.TransferDestinationId));
  return (row.Destinations as Record<string, unknown>[]).map((d) => ({
    ...structuredClone(d),
    TransferDestinationId: known.has(Number(d.TransferDestinationId))
      ? Number(d.TransferDestinationId)
      : store.nextId(),
  })) as SbTemplateDestination[];
}

/** 401 unless the caller may see this transfer (as shipper or as one of its recipients). */
function canSee(res: Response, t: SbTransfer, delivery?: SbDelivery): boolean {
  const mine = caller(res).licenses;
  const recipients = delivery ? [delivery] : t.deliveries;
  if (mine.has(t.shipperLicense) || recipients.some((d) => mine.has(d.RecipientFacilityLicenseNumber))) return true;
  sendMessage(res, 401, 'Authorization has been denied for this request.');
  return false;
}

export function transferRoutes(store: SandboxStore): Router {
  const r = Router();

  r.get('/transfers/v2/types', (req, res) => {
    if (!actingLicense(req, res)) return;
    sendList(req, res, TRANSFER_TYPES);
  });

  r.get(TEMPLATE_PATH, (req, res) => {
    const license = actingLicense(req, res);
    const inWindow = license && lastModifiedFilter(req, res);
    if (!license || !inWindow) return;
    const rows = [...store.templates.values()]
      .filter((t) => t.licenseNumber === license && !t.archived && inWindow(t.lastModified))
      .map((t) => templateRow(store, t));
    sendList(req, res, rows);
  });

  r.post(TEMPLATE_PATH, (req, res) => {
    const license = actingLicense(req, res);
    const rows = license && writeRows(req, res);
    if (!license || !rows) return;
    const errors = rows.flatMap((row, i) => validateTemplate(store, license, row, i, false));
    if (errors.length) return sendRowErrors(res, errors);
    const now = store.nowStamp();
    const ids = rows.map((row) => {
      const id = store.nextId();
      const body = { ...structuredClone(row), Name: row.Name as string, Destinations: storedDestinations(store, row) };
      store.templates.set(id, {
        Id: id,
        licenseNumber: license,
        archived: false,
        createdAt: now,
        lastModified: now,
        body,
      });
      return id;
    });
    store.counters.writes += 1;
    sendIds(res, ids);
  });

  r.put(TEMPLATE_PATH, (req, res) => {
    const license = actingLicense(req, res);
    const rows = license && writeRows(req, res);
    if (!license || !rows) return;
    const errors = rows.flatMap((row, i) => validateTemplate(store, license, row, i, true));
    if (errors.length) return sendRowErrors(res, errors);
    const now = store.nowStamp();
    for (const row of rows) {
      const t = store.templates.get(Number(row.TransferTemplateId))!;
      t.body = { ...structuredClone(row), Name: row.Name as string, Destinations: storedDestinations(store, row, t) };
      t.lastModified = now;
    }
    store.counters.writes += 1;
    sendEmptyOk(res);
  });

  r.delete(`${TEMPLATE_PATH}/:id`, (req, res) => {
    const license = actingLicense(req, res);
    if (!license) return;
    const t = store.templates.get(Number(req.params.id));
    if (!t || t.archived || t.licenseNumber !== license) {
      return sendRowErrors(res, [{ row: 0, message: `Transfer template ${req.params.id} was not found.` }]);
    }
    t.archived = true;
    t.lastModified = store.nowStamp();
    store.counters.writes += 1;
    sendEmptyOk(res);
  });

  for (const direction of ['outgoing', 'incoming'] as const) {
    r.get(`/transfers/v2/${direction}`, (req, res) => {
      const license = actingLicense(req, res);
      const inWindow = license && lastModifiedFilter(req, res);
      if (!license || !inWindow) return;
      const rows = [...store.transfers.values()]
        .filter((t) => inWindow(t.lastModified))
        .flatMap((t) =>
          t.deliveries
            .filter((d) => (direction === 'outgoing' ? t.shipperLicense : d.RecipientFacilityLicenseNumber) === license)
            .map((d) => [t, d] as const),
        );
      sendList(req, res, rows, ([t, d]) => transferRow(store, t, d));
    });
  }

  r.get('/transfers/v2/:id/deliveries', (req, res) => {
    const t = store.transfers.get(Number(req.params.id));
    if (!t) return sendMessage(res, 404, `Transfer ${req.params.id} was not found.`);
    if (!canSee(res, t)) return;
    sendList(
      req,
      res,
      t.deliveries.map(({ packages, ...d }) => ({ ...d, DeliveryPackageCount: packages.length })),
    );
  });

  r.get('/transfers/v2/deliveries/:id/packages', (req, res) => {
    const found = store.findDelivery(Number(req.params.id));
    if (!found) return sendMessage(res, 404, `Delivery ${req.params.id} was not found.`);
    if (!canSee(res, found.transfer, found.delivery)) return;
    sendList(req, res, found.delivery.packages);
  });

  return r;
}
