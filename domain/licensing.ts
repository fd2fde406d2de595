import { isPlatform, type Actor } from './actor.js';

/**
 * Licensing facts are regulated: what a business is licensed as (retailer, wholesaler), its
 * licence number, state, type and expiry, and the licence number of each licensed premises. The
 * state's licensing authority decides them, so only platform staff, who check them against the
 * licence, may set them (issue 13.5: an owner turned its retailer into `both` and sold). Owners
 * keep the rest of their profile (name, addresses, time zone). Pure: no I/O.
 */
export const REGULATED_FIELDS = {
  entities: ['type', 'license_number', 'license_state', 'license_type', 'license_expires_on'],
  locations: ['license_number'],
} as const satisfies Record<string, readonly string[]>;

export type RegulatedResource = keyof typeof REGULATED_FIELDS;

/** Platform staff (and the system) may set regulated fields; entity users and partner keys may not. */
export const maySetRegulated = (actor: Actor): boolean => isPlatform(actor);

/** The regulated fields present in a create or update body that this actor may not set, in body order. */
export function refusedRegulatedFields(actor: Actor, resource: RegulatedResource, body: Record<string, unknown>): string[] {
  if (maySetRegulated(actor)) return [];
  const regulated: readonly string[] = REGULATED_FIELDS[resource];
  return Object.keys(body).filter((k) => regulated.includes(k));
}

/** A stored date (DATE column read raw as a UTC-midnight Date, or as 'YYYY-MM-DD') as 'YYYY-MM-DD'. */
export function isoDay(v: unknown): string | null {
  if (v == null || v === '') return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().slice(0, 10);
  const s = String(v);
  return /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : null;
}

export interface LicenceHolder {
  /** The request field that names the party, e.g. `retailer_id`. */
  field: string;
  party: 'retailer' | 'wholesaler';
  licenseNumber: string;
  expiresOn: unknown;
}

export interface LicenceProblem {
  field: string;
  issue: string;
  license_number: string;
  license_expires_on: string;
}

/**
 * Licences that have expired by `today` ('YYYY-MM-DD'). A licence is valid through its expiry
 * day; no expiry on record means none is known (nothing to enforce). Days are compared as UTC
 * calendar days: the hub keeps one clock for every state it serves.
 */
export function expiredLicences(holders: readonly LicenceHolder[], today: string): LicenceProblem[] {
  const out: LicenceProblem[] = [];
  for (const h of holders) {
    const day = isoDay(h.expiresOn);
    if (day && day < today) {
      out.push({ field: h.field, issue: `the ${h.party}'s licence ${h.licenseNumber} expired on ${day}`, license_number: h.licenseNumber, license_expires_on: day });
    }
  }
  return out;
}

export const todayUtc = (now: Date): string => now.toISOString().slice(0, 10);
