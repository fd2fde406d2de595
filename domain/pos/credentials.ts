import { AppError } from '../errors.js';

export type PosVendorName = 'dutchie' | 'blaze';

/** Connector credentials, in the shape integrations/pos expects. */
export type VendorCredentials =
  | { locationKey: string; integratorKey?: string }
  | { partnerKey: string; storeKey: string };

const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/**
 * API credentials (snake_case, per vendor) to connector credentials. The OpenAPI schema checks the
 * shape loosely (either vendor's keys); this checks the keys fit the vendor named.
 */
export function vendorCredentials(vendor: PosVendorName, input: Record<string, unknown>): VendorCredentials {
  if (vendor === 'dutchie') {
    const locationKey = str(input.location_key);
    if (!locationKey || input.partner_key !== undefined || input.store_key !== undefined) {
      throw new AppError('VALIDATION_ERROR', 'Dutchie credentials need location_key (and optionally integrator_key)', {
        field: 'credentials',
        issue: 'expected { location_key, integrator_key? }',
      });
    }
    const integratorKey = str(input.integrator_key);
    return integratorKey ? { locationKey, integratorKey } : { locationKey };
  }
  const partnerKey = str(input.partner_key);
  const storeKey = str(input.store_key);
  if (!partnerKey || !storeKey || input.location_key !== undefined) {
    throw new AppError('VALIDATION_ERROR', 'BLAZE credentials need partner_key and store_key', {
      field: 'credentials',
      issue: 'expected { partner_key, store_key }',
    });
  }
  return { partnerKey, storeKey };
}

export const CREDENTIALS_PURPOSE = 'pos-credentials';
