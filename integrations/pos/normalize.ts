import type { PosSaleLine, UnitOfMeasure } from './connector.js';

/**
 * Small, strict readers for untrusted vendor JSON. Each returns undefined instead of guessing, so
 * the mapping modules can turn a bad field into an item error naming that field.
 */

export function text(v: unknown): string | undefined {
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? undefined : t;
  }
  return undefined;
}

/** Vendor ids arrive as numbers (Dutchie) or strings (BLAZE); we always carry strings. */
export function id(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return text(v);
}

export function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Decimal currency amount to integer minor units. Multiplying floats directly mis-rounds values
 * like 1.005, so the product is first trimmed to 12 significant digits.
 */
export function toMinorUnits(v: unknown): number | undefined {
  const n = finite(v);
  if (n === undefined) return undefined;
  const minor = Math.round(Number((n * 100).toPrecision(12)));
  return Number.isSafeInteger(minor) ? minor : undefined;
}

const METRC_TAG = /^1A[0-9A-Z]{22}$/;

/** METRC package tags are 24 upper-case alphanumerics starting 1A; BioTrack ids do not match. */
export function metrcTag(v: unknown): string | undefined {
  const t = text(v);
  return t !== undefined && METRC_TAG.test(t) ? t : undefined;
}

/**
 * ISO-8601 UTC from a vendor timestamp. Dutchie's *Utc fields often omit the zone designator, so a
 * string without one is read as UTC rather than as the host's local time.
 */
export function isoUtc(v: unknown): string | undefined {
  let ms: number;
  if (typeof v === 'number' && Number.isFinite(v)) ms = v;
  else if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? v : `${v}Z`;
    ms = Date.parse(zoned);
  } else return undefined;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const UNITS: Record<string, UnitOfMeasure> = {
  ea: 'each',
  each: 'each',
  unit: 'each',
  units: 'each',
  g: 'g',
  gram: 'g',
  grams: 'g',
  mg: 'mg',
  milligrams: 'mg',
  kg: 'kg',
  oz: 'oz',
  ounce: 'oz',
  ounces: 'oz',
  lb: 'lb',
  lbs: 'lb',
  ml: 'ml',
  l: 'l',
};

export function unitOfMeasure(v: unknown): UnitOfMeasure | undefined {
  const t = text(v);
  return t === undefined ? undefined : UNITS[t.toLowerCase()];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** US vendors; neither API states a currency, and both price in US dollars. */
export const VENDOR_CURRENCY = 'USD';

/** `{ key: value }` when value is defined, else `{}`: keeps optional fields absent rather than undefined. */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Reads one sale line; vendors differ only in which field names carry the item id and the line
 * total. Returns the reason as a string when a required field is unusable.
 */
export function saleLine(
  raw: unknown,
  fields: { itemId: string; total: string },
): Pick<PosSaleLine, 'vendorItemId' | 'quantity' | 'unitPriceMinor' | 'totalMinor'> | string {
  if (!isRecord(raw)) return 'not an object';
  const vendorItemId = id(raw[fields.itemId]);
  const quantity = finite(raw.quantity);
  const unitPriceMinor = toMinorUnits(raw.unitPrice);
  const totalMinor = toMinorUnits(raw[fields.total]);
  if (vendorItemId === undefined) return `${fields.itemId} missing`;
  if (quantity === undefined) return 'quantity is not a number';
  if (unitPriceMinor === undefined) return 'unitPrice is not a number';
  if (totalMinor === undefined) return `${fields.total} is not a number`;
  return { vendorItemId, quantity, unitPriceMinor, totalMinor };
}

/** A return line as positive quantity and amounts, whichever sign the vendor used. */
export function magnitudes<L extends Pick<PosSaleLine, 'quantity' | 'unitPriceMinor' | 'totalMinor'>>(line: L): L {
  return {
    ...line,
    quantity: Math.abs(line.quantity),
    unitPriceMinor: Math.abs(line.unitPriceMinor),
    totalMinor: Math.abs(line.totalMinor),
  };
}
