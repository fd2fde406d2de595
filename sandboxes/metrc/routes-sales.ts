/**
 * Sales receipts. Only facilities whose type allows consumer sales may write (others get 401,
 * as METRC refuses writes). SalesDateTime must be facility-local time without an offset: the
 * emulator rejects a `Z` or `+hh:mm`, which real METRC would silently misread.
 *
 * PUT replaces a receipt's lines (the old lines' quantities go back to their packages first,
 * then the new ones are taken); DELETE voids it (its quantities go back; it moves from active
 * to inactive and stays findable by external number). Both answer an empty 200. A voided
 * receipt is gone for PUT and a second DELETE (400), another facility's receipt is 401, and a
 * finalized receipt (PUT .../finalize) must be unfinalized before it can be edited or voided.
 */
import { Router } from 'express';
import { actingLicense } from './auth.js';
import { facilityTypeFlags, SALES_CUSTOMER_TYPES } from './reference-data.js';
import type { SandboxStore, SbPackage, SbReceipt, SbTransaction } from './store.js';
import {
  isNonEmptyString,
  isNumber,
  lastModifiedFilter,
  sendEmptyOk,
  sendIds,
  sendJson,
  sendList,
  sendMessage,
  sendRowErrors,
  sortByModified,
  wire,
  writeRows,
  type RowMessage,
} from './wire.js';

const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const num = (v: unknown): number | null => (isNumber(v) ? v : null);

/**
 * Validates receipt rows against package stock, counting earlier rows of the same request and
 * giving back the lines of receipts being replaced. Returns row errors, or the planned stock.
 */
function plan(store: SandboxStore, license: string, rows: Record<string, unknown>[], isUpdate: boolean) {
  const errors: RowMessage[] = [];
  const stock = new Map<SbPackage, number>();
  const left = (p: SbPackage) => stock.get(p) ?? p.Quantity;
  const lines: SbTransaction[][] = [];
  rows.forEach((row, i) => {
    const err = (message: string) => errors.push({ row: i, message });
    if (isUpdate) {
      const old = store.receipts.get(Number(row.Id));
      if (!old || old.licenseNumber !== license || old.ArchivedDate)
        err(`Receipt ${String(row.Id ?? '')} was not found.`);
      else if (old.IsFinal) err(`Receipt ${old.Id} is finalized; unfinalize it before editing.`);
      else
        for (const t of old.Transactions) {
          const p = store.packages.get(t.PackageLabel);
          if (p) stock.set(p, left(p) + t.Quantity);
        }
    }
    if (typeof row.SalesDateTime !== 'string' || !LOCAL_DATE_TIME.test(row.SalesDateTime)) {
      err('SalesDateTime must be the facility-local date and time without a UTC offset (YYYY-MM-DDTHH:mm:ss).');
    }
    if (!SALES_CUSTOMER_TYPES.includes(row.SalesCustomerType as string))
      err(`SalesCustomerType ${String(row.SalesCustomerType ?? '')} is not valid.`);
    if (row.ExternalReceiptNumber != null && !isNonEmptyString(row.ExternalReceiptNumber))
      err('ExternalReceiptNumber must be a string.');
    const txs = Array.isArray(row.Transactions) ? (row.Transactions as Record<string, unknown>[]) : [];
    if (txs.length === 0) err('At least one transaction is required.');
    const out: SbTransaction[] = [];
    for (const t of txs) {
      const p = store.availablePackage(license, t?.PackageLabel);
      if (!p) {
        err(`Package ${String(t?.PackageLabel ?? '')} is not available.`);
        continue;
      }
      if (!isNumber(t.Quantity) || t.Quantity <= 0) {
        err(`Quantity for package ${p.Label} must be greater than zero.`);
        continue;
      }
      if (t.UnitOfMeasure !== p.UnitOfMeasureName)
        err(`Unit of measure must be ${p.UnitOfMeasureName} for package ${p.Label}.`);
      if (!isNumber(t.TotalAmount) || t.TotalAmount < 0)
        err(`TotalAmount for package ${p.Label} must be zero or more.`);
      if (left(p) < t.Quantity)
        err(`Package ${p.Label} does not have enough quantity (${left(p)} ${p.UnitOfMeasureName} left).`);
      stock.set(p, left(p) - t.Quantity);
      out.push({
        PackageId: p.Id,
        PackageLabel: p.Label,
        ProductName: p.Item.Name,
        Quantity: t.Quantity,
        UnitOfMeasure: p.UnitOfMeasureName,
        TotalAmount: num(t.TotalAmount) ?? 0,
        Price: num(t.Price),
        ExciseTax: num(t.ExciseTax),
        SalesTax: num(t.SalesTax),
        DiscountAmount: num(t.DiscountAmount),
      });
    }
    lines.push(out);
  });
  return { errors, stock, lines };
}

function applyStock(store: SandboxStore, stock: Map<SbPackage, number>, now: string): void {
  for (const [p, q] of stock) {
    p.Quantity = Math.round(q * 10_000) / 10_000;
    p.LastModified = now;
  }
}

const receiptWire = (r: SbReceipt, withLines: boolean) => ({
  ...wire(r),
  TotalPackages: r.Transactions.length,
  TotalPrice: r.Transactions.reduce((s, t) => s + t.TotalAmount, 0),
  Transactions: withLines ? r.Transactions : [],
});

export function salesRoutes(store: SandboxStore): Router {
  const r = Router();
  const path = '/sales/v2/receipts';

  const sellingLicense = (req: Parameters<typeof actingLicense>[0], res: Parameters<typeof actingLicense>[1]) => {
    const license = actingLicense(req, res);
    if (!license) return null;
    const f = store.facility(license);
    if (!f || !facilityTypeFlags(f.role).CanSellToConsumers) {
      sendMessage(res, 401, 'This facility is not permitted to record sales.');
      return null;
    }
    return license;
  };

  r.post(path, (req, res) => {
    const license = sellingLicense(req, res);
    const rows = license && writeRows(req, res);
    if (!license || !rows) return;
    const { errors, stock, lines } = plan(store, license, rows, false);
    if (errors.length) return sendRowErrors(res, errors);
    const now = store.nowStamp();
    applyStock(store, stock, now);
    const ids = rows.map((row, i) => {
      const id = store.nextId();
      store.receipts.set(id, {
        Id: id,
        licenseNumber: license,
        ReceiptNumber: String(id).padStart(10, '0'),
        ExternalReceiptNumber: (row.ExternalReceiptNumber as string | undefined) ?? null,
        SalesDateTime: row.SalesDateTime as string,
        SalesCustomerType: row.SalesCustomerType as string,
        PatientLicenseNumber: (row.PatientLicenseNumber as string | undefined) ?? null,
        IsFinal: false,
        ArchivedDate: null,
        RecordedDateTime: now,
        LastModified: now,
        Transactions: lines[i]!,
      });
      return id;
    });
    store.counters.writes += 1;
    sendIds(res, ids);
  });

  r.put(path, (req, res) => {
    const license = sellingLicense(req, res);
    const rows = license && writeRows(req, res);
    if (!license || !rows) return;
    const { errors, stock, lines } = plan(store, license, rows, true);
    if (errors.length) return sendRowErrors(res, errors);
    const now = store.nowStamp();
    applyStock(store, stock, now);
    rows.forEach((row, i) => {
      const receipt = store.receipts.get(Number(row.Id))!;
      Object.assign(receipt, {
        SalesDateTime: row.SalesDateTime,
        SalesCustomerType: row.SalesCustomerType,
        ExternalReceiptNumber: (row.ExternalReceiptNumber as string | undefined) ?? receipt.ExternalReceiptNumber,
        PatientLicenseNumber: (row.PatientLicenseNumber as string | undefined) ?? null,
        Transactions: lines[i]!,
        LastModified: now,
      });
    });
    store.counters.writes += 1;
    sendEmptyOk(res);
  });

  // Finalizing closes receipts to edits and voids; unfinalizing opens them again.
  for (const [action, final] of [['finalize', true], ['unfinalize', false]] as const) {
    r.put(`${path}/${action}`, (req, res) => {
      const license = sellingLicense(req, res);
      const rows = license && writeRows(req, res);
      if (!license || !rows) return;
      const errors: RowMessage[] = [];
      const found = rows.map((row, i) => {
        const receipt = store.receipts.get(Number(row.Id));
        if (!receipt || receipt.licenseNumber !== license || receipt.ArchivedDate) {
          errors.push({ row: i, message: `Receipt ${String(row.Id ?? '')} was not found.` });
        } else if (receipt.IsFinal === final) {
          errors.push({ row: i, message: `Receipt ${receipt.Id} is ${final ? 'already' : 'not'} finalized.` });
        }
        return receipt;
      });
      if (errors.length) return sendRowErrors(res, errors);
      const now = store.nowStamp();
      for (const receipt of found) Object.assign(receipt!, { IsFinal: final, LastModified: now });
      store.counters.writes += 1;
      sendEmptyOk(res);
    });
  }

  // Voiding gives the sold quantities back to their packages.
  r.delete(`${path}/:id`, (req, res) => {
    const license = sellingLicense(req, res);
    if (!license) return;
    const receipt = store.receipts.get(Number(req.params.id));
    if (receipt && receipt.licenseNumber !== license) {
      return sendMessage(res, 401, 'Authorization has been denied for this request.');
    }
    if (!receipt || receipt.ArchivedDate) {
      return sendMessage(res, 400, `Receipt ${req.params.id} was not found or is already voided.`);
    }
    if (receipt.IsFinal) return sendMessage(res, 400, `Receipt ${receipt.Id} is finalized; unfinalize it before voiding.`);
    const now = store.nowStamp();
    for (const t of receipt.Transactions) {
      const p = store.packages.get(t.PackageLabel);
      if (p) applyStock(store, new Map([[p, p.Quantity + t.Quantity]]), now);
    }
    receipt.ArchivedDate = now;
    receipt.LastModified = now;
    store.counters.writes += 1;
    sendEmptyOk(res);
  });

  for (const state of ['active', 'inactive'] as const) {
    r.get(`${path}/${state}`, (req, res) => {
      const license = actingLicense(req, res);
      const inWindow = license && lastModifiedFilter(req, res);
      if (!license || !inWindow) return;
      const rows = [...store.receipts.values()].filter(
        (x) => x.licenseNumber === license && !x.ArchivedDate === (state === 'active') && inWindow(x.LastModified),
      );
      sendList(
        req,
        res,
        sortByModified(rows).map((x) => receiptWire(x, false)),
      );
    });
  }

  // Newest live receipt with that external number (a voided one only when nothing else matches).
  r.get(`${path}/external/:externalNumber`, (req, res) => {
    const license = actingLicense(req, res);
    if (!license) return;
    const matches = [...store.receipts.values()]
      .filter((x) => x.licenseNumber === license && x.ExternalReceiptNumber === req.params.externalNumber)
      .sort((a, b) => Number(!!a.ArchivedDate) - Number(!!b.ArchivedDate) || b.Id - a.Id);
    const found = matches[0];
    if (!found) return sendMessage(res, 404, `No receipt with external number ${req.params.externalNumber}.`);
    sendJson(res, 200, receiptWire(found, true));
  });

  r.get(`${path}/:id`, (req, res) => {
    const license = actingLicense(req, res);
    if (!license) return;
    const receipt = store.receipts.get(Number(req.params.id));
    if (!receipt) return sendMessage(res, 404, `Receipt ${req.params.id} was not found.`);
    if (receipt.licenseNumber !== license)
      return sendMessage(res, 401, 'Authorization has been denied for this request.');
    sendJson(res, 200, receiptWire(receipt, true));
  });

  return r;
}
