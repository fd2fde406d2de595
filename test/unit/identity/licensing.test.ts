import { describe, expect, it } from 'vitest';
import type { Actor } from '../../../domain/actor.js';
import { expiredLicences, isoDay, refusedRegulatedFields, REGULATED_FIELDS, todayUtc } from '../../../domain/licensing.js';

const owner: Actor = { kind: 'user', id: 'o', role: 'owner', entityId: 'e' };
const key: Actor = { kind: 'api_key', id: 'k', role: 'partner', entityId: 'e', scopes: [] };
const admin: Actor = { kind: 'user', id: 'a', role: 'admin' };
const operator: Actor = { kind: 'user', id: 'p', role: 'operator' };

describe('regulated fields (issue 13.5)', () => {
  it('owners and keys may set none of them; staff may set all', () => {
    const body = { name: 'x', type: 'both', license_type: 'W', license_expires_on: '2099-01-01', license_number: 'L' };
    expect(refusedRegulatedFields(owner, 'entities', body)).toEqual(['type', 'license_type', 'license_expires_on', 'license_number']);
    expect(refusedRegulatedFields(key, 'locations', { name: 'x', license_number: 'L' })).toEqual(['license_number']);
    expect(refusedRegulatedFields(owner, 'entities', { name: 'x' })).toEqual([]);
    for (const staff of [admin, operator]) expect(refusedRegulatedFields(staff, 'entities', body)).toEqual([]);
    expect(REGULATED_FIELDS.locations).toEqual(['license_number']);
  });
});

describe('licence expiry', () => {
  const holder = (expiresOn: unknown) => [{ field: 'retailer_id', party: 'retailer' as const, licenseNumber: 'R-1', expiresOn }];
  it('a licence is valid through its expiry day; none on record means nothing to enforce', () => {
    expect(expiredLicences(holder('2026-03-01'), '2026-03-01')).toEqual([]);
    expect(expiredLicences(holder(null), '2026-03-01')).toEqual([]);
    expect(expiredLicences(holder('2026-02-28'), '2026-03-01')).toEqual([
      { field: 'retailer_id', issue: "the retailer's licence R-1 expired on 2026-02-28", license_number: 'R-1', license_expires_on: '2026-02-28' },
    ]);
    expect(expiredLicences(holder(new Date('2026-02-28T00:00:00Z')), '2026-03-01')).toHaveLength(1);
  });
  it('reads stored days as UTC calendar days', () => {
    expect(isoDay(new Date('2026-02-28T00:00:00Z'))).toBe('2026-02-28');
    expect(isoDay('2026-02-28')).toBe('2026-02-28');
    expect(isoDay('')).toBeNull();
    expect(todayUtc(new Date('2026-03-01T23:59:59Z'))).toBe('2026-03-01');
  });
});
