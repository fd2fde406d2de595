/** Facilities, units of measure and items. */
import { Router } from 'express';
import { actingLicense, caller } from './auth.js';
import { facilityTypeFlags, UNITS_OF_MEASURE } from './reference-data.js';
import type { SandboxStore } from './store.js';
import { sendJson, sendList } from './wire.js';

export function facilityRoutes(store: SandboxStore): Router {
  const r = Router();

  // Bare array, no licenseNumber: the facilities the user key may act for.
  r.get('/facilities/v2', (_req, res) => {
    const mine = store.facilities.filter((f) => caller(res).licenses.has(f.licenseNumber));
    sendJson(
      res,
      200,
      mine.map((f) => ({
        FacilityId: f.facilityId,
        Name: f.name,
        Alias: f.name,
        DisplayName: f.name,
        HireDate: '2021-01-01',
        IsOwner: false,
        IsManager: true,
        Occupations: [],
        CredentialedDate: '2021-01-01',
        FacilityType: facilityTypeFlags(f.role),
        License: {
          Number: f.licenseNumber,
          StartDate: '2021-01-01',
          EndDate: '2027-12-31',
          LicenseType: f.licenseType,
        },
      })),
    );
  });

  r.get('/unitsofmeasure/v2/active', (_req, res) => sendJson(res, 200, UNITS_OF_MEASURE));

  r.get('/items/v2/active', (req, res) => {
    const license = actingLicense(req, res);
    if (!license) return;
    const seen = new Map<number, Record<string, unknown>>();
    for (const p of store.packages.values()) {
      if (p.licenseNumber !== license || seen.has(p.Item.Id)) continue;
      seen.set(p.Item.Id, {
        Id: p.Item.Id,
        Name: p.Item.Name,
        ProductCategoryName: p.Item.ProductCategoryName,
        UnitOfMeasureName: p.Item.UnitOfMeasureName,
        IsUsed: true,
      });
    }
    sendList(req, res, [...seen.values()]);
  });

  return r;
}
