import { describe, expect, it } from 'vitest';
import { isoUtc, metrcTag, toMinorUnits, unitOfMeasure } from '../../../integrations/pos/normalize.js';

describe('vendor field readers', () => {
  it('converts decimal prices to integer cents without float drift', () => {
    expect(toMinorUnits(19.99)).toBe(1999);
    expect(toMinorUnits(1.005)).toBe(101);
    expect(toMinorUnits(0.1 + 0.2)).toBe(30);
    expect(toMinorUnits(35)).toBe(3500);
    expect(toMinorUnits('19.99')).toBeUndefined();
    expect(toMinorUnits(Number.NaN)).toBeUndefined();
  });

  it('reads a zone-less timestamp as UTC, not host-local time', () => {
    expect(isoUtc('2024-03-01T10:15:00')).toBe('2024-03-01T10:15:00.000Z');
    expect(isoUtc('2024-03-01T10:15:00-07:00')).toBe('2024-03-01T17:15:00.000Z');
    expect(isoUtc(Date.UTC(2024, 2, 1))).toBe('2024-03-01T00:00:00.000Z');
    expect(isoUtc('yesterday')).toBeUndefined();
  });

  it('accepts only 24-character METRC tags as package labels', () => {
    expect(metrcTag('1A4060300002C35000012345')).toBe('1A4060300002C35000012345');
    expect(metrcTag('6647128452961736')).toBeUndefined(); // BioTrack id
    expect(metrcTag('1A406030000')).toBeUndefined();
  });

  it('maps vendor unit spellings and rejects unknown ones', () => {
    expect(unitOfMeasure('ea')).toBe('each');
    expect(unitOfMeasure('grams')).toBe('g');
    expect(unitOfMeasure('units')).toBe('each');
    expect(unitOfMeasure('bushel')).toBeUndefined();
  });
});
