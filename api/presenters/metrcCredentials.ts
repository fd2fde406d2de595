import type { LicenceCredential } from '../services/metrcCredentials.js';

/** A licence's METRC key as people see it: last four characters and fingerprint, never the key. */
export function credentialToApi({ licenseNumber, status: s }: LicenceCredential) {
  return {
    license_number: licenseNumber,
    configured: Boolean(s),
    key_last4: s?.key_last4 ?? null,
    key_fingerprint: s?.key_fingerprint ?? null,
    updated_by: s?.updated_by ?? null,
    updated_at: s?.updated_at.toISOString() ?? null,
    last_used_at: s?.last_used_at?.toISOString() ?? null,
    last_tested_at: s?.last_tested_at?.toISOString() ?? null,
    last_test_ok: s?.last_test_ok ?? null,
    last_error: s?.last_error ?? null,
  };
}
