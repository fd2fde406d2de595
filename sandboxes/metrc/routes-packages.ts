/** Packages: active/transferred lists, single package by id or label, adjustments. */
import { Router } from 'express';
import { actingLicense } from './auth.js';
import { ADJUST_REASONS } from './reference-data.js';
import type { SandboxStore, SbPackage } from './store.js';
import {
  isNonEmptyString,
  isNumber,
  lastModifiedFilter,
  sendIds,
  sendList,
  sendMessage,
  sendJson,
  sendRowErrors,
  sortByModified,
  wire,
  writeRows,
  type RowMessage,
} from './wire.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export function packageRoutes(store: SandboxStore): Router {
  const r = Router();

  for (const status of ['active', 'transferred'] as const) {
    r.get(`/packages/v2/${status}`, (req, res) => {
      const license = actingLicense(req, res);
      const inWindow = license && lastModifiedFilter(req, res);
      if (!license || !inWindow) return;
      const rows = [...store.packages.values()].filter(
        (p) => p.licenseNumber === license && p.status === status && inWindow(p.LastModified),
      );
      sendList(req, res, sortByModified(rows).map(wire));
    });
  }

  // Adjustment history (v2): each recorded adjustment with its reason and note, so a client
  // that put its own reference in the note can find exactly its adjustment again.
  r.get('/packages/v2/adjustments', (req, res) => {
    const license = actingLicense(req, res);
    const inWindow = license && lastModifiedFilter(req, res);
    if (!license || !inWindow) return;
    const rows = store.adjustments.filter((a) => a.licenseNumber === license && inWindow(a.LastModified));
    sendList(req, res, sortByModified(rows).map(wire));
  });

  r.get('/packages/v2/adjust/reasons', (req, res) => {
    if (!actingLicense(req, res)) return;
    sendList(req, res, ADJUST_REASONS);
  });

  // The same route serves ids and labels; METRC answers 401 for another facility's package.
  r.get('/packages/v2/:idOrLabel', (req, res) => {
    const license = actingLicense(req, res);
    if (!license) return;
    const p = store.findPackage(req.params.idOrLabel);
    if (!p) return sendMessage(res, 404, `Package ${req.params.idOrLabel} was not found.`);
    if (p.licenseNumber !== license) return sendMessage(res, 401, 'Authorization has been denied for this request.');
    sendJson(res, 200, wire(p));
  });

  r.post('/packages/v2/adjust', (req, res) => {
    const license = actingLicense(req, res);
    const rows = license && writeRows(req, res);
    if (!license || !rows) return;
    const errors: RowMessage[] = [];
    const planned = new Map<SbPackage, number>();
    rows.forEach((row, i) => {
      const err = (message: string) => errors.push({ row: i, message });
      const p = store.availablePackage(license, row.Label);
      if (!p) return err(`Package ${String(row.Label ?? '')} is not available.`);
      const reason = ADJUST_REASONS.find((x) => x.Name === row.AdjustmentReason);
      if (!reason) err(`Adjustment reason ${String(row.AdjustmentReason ?? '')} is not valid.`);
      if (reason?.RequiresNote && !isNonEmptyString(row.ReasonNote))
        err('A reason note is required for this adjustment reason.');
      if (!isNumber(row.Quantity) || row.Quantity === 0) return err('Quantity must be a non-zero number.');
      if (row.UnitOfMeasure !== p.UnitOfMeasureName)
        err(`Unit of measure must be ${p.UnitOfMeasureName} for package ${p.Label}.`);
      if (typeof row.AdjustmentDate !== 'string' || !DATE_ONLY.test(row.AdjustmentDate))
        err('AdjustmentDate must be YYYY-MM-DD.');
      const after = (planned.get(p) ?? p.Quantity) + row.Quantity;
      if (after < 0) err(`Adjustment would make the quantity of package ${p.Label} negative.`);
      planned.set(p, after);
    });
    if (errors.length) return sendRowErrors(res, errors);
    const now = store.nowStamp();
    for (const [p, quantity] of planned) {
      p.Quantity = Math.round(quantity * 10_000) / 10_000;
      p.LastModified = now;
    }
    for (const row of rows) {
      const p = store.packages.get(row.Label as string)!;
      store.adjustments.push({
        Id: store.nextId(),
        PackageId: p.Id,
        PackageLabel: p.Label,
        AdjustmentQuantity: row.Quantity as number,
        AdjustmentUnitOfMeasureName: p.UnitOfMeasureName,
        AdjustmentReasonName: row.AdjustmentReason as string,
        AdjustmentDate: row.AdjustmentDate as string,
        AdjustmentNote: isNonEmptyString(row.ReasonNote) ? row.ReasonNote : null,
        LastModified: now,
        licenseNumber: license,
      });
    }
    store.counters.writes += 1;
    sendIds(res, []);
  });

  return r;
}
