import type { ItemResult, PosIdentity, PosSaleLine, SaleResult, SaleStatus } from '../connector.js';
import {
  saleLine,
  finite,
  id,
  isoUtc,
  isRecord,
  magnitudes,
  metrcTag,
  optional,
  text,
  toMinorUnits,
  unitOfMeasure,
  VENDOR_CURRENCY,
} from '../normalize.js';

export function mapWhoAmI(raw: unknown): PosIdentity | undefined {
  if (!isRecord(raw)) return undefined;
  const locationId = id(raw.locationId);
  if (locationId === undefined) return undefined;
  return {
    vendor: 'dutchie',
    locationId,
    ...optional('locationName', text(raw.locationName)),
    ...optional('licenseNumber', text(raw.licenseNumber)),
    ...optional('state', text(raw.state)),
  };
}

/**
 * One `/inventory` record. Dutchie's inventory rows carry no brand, so it comes from the product
 * catalogue (`brands`, keyed by productId) when the caller loaded it. The sellable price is
 * `unitPrice`; the rec/med prices are fallbacks for locations that only price per channel.
 */
export function mapInventoryItem(raw: unknown, brands?: ReadonlyMap<string, string>): ItemResult {
  if (!isRecord(raw)) return { ok: false, reason: 'inventory record is not an object' };
  const vendorItemId = id(raw.inventoryId);
  const problems: string[] = [];
  const sku = text(raw.sku);
  const name = text(raw.productName);
  const unit = unitOfMeasure(raw.quantityUnits);
  const priceMinor = toMinorUnits(raw.unitPrice ?? raw.recUnitPrice ?? raw.medUnitPrice);
  const quantity = finite(raw.quantityAvailable);
  if (vendorItemId === undefined) problems.push('inventoryId missing');
  if (sku === undefined) problems.push('sku missing');
  if (name === undefined) problems.push('productName missing');
  if (unit === undefined) problems.push(`quantityUnits ${JSON.stringify(raw.quantityUnits)} not understood`);
  if (priceMinor === undefined || priceMinor < 0)
    problems.push(`unitPrice ${JSON.stringify(raw.unitPrice)} is not a price`);
  if (quantity === undefined)
    problems.push(`quantityAvailable ${JSON.stringify(raw.quantityAvailable)} is not a number`);
  if (
    problems.length > 0 ||
    !vendorItemId ||
    !sku ||
    !name ||
    !unit ||
    priceMinor === undefined ||
    quantity === undefined
  ) {
    return { ok: false, ...optional('vendorItemId', vendorItemId), reason: problems.join('; ') };
  }
  const productId = id(raw.productId);
  const packageLabel = metrcTag(raw.externalPackageId) ?? metrcTag(raw.packageId);
  const modifiedAt = isoUtc(raw.lastModifiedDateUtc);
  return {
    ok: true,
    item: {
      vendorItemId,
      sku,
      name,
      category: text(raw.category) ?? null,
      brand: (productId !== undefined ? brands?.get(productId) : undefined) ?? null,
      unitOfMeasure: unit,
      priceMinor,
      currency: VENDOR_CURRENCY,
      quantity,
      ...optional('packageLabel', packageLabel),
      ...optional('modifiedAt', modifiedAt),
    },
  };
}

/** productId and brandName from a `/reporting/products` record, or undefined if either is absent. */
export function productBrand(raw: unknown): [productId: string, brand: string] | undefined {
  if (!isRecord(raw)) return undefined;
  const productId = id(raw.productId);
  const brand = text(raw.brandName);
  return productId !== undefined && brand !== undefined ? [productId, brand] : undefined;
}

export function transactionModifiedMs(raw: unknown): number | undefined {
  if (!isRecord(raw)) return undefined;
  const iso = isoUtc(raw.lastModifiedDateUTC);
  return iso === undefined ? undefined : Date.parse(iso);
}

/**
 * One `/reporting/transactions` record (with IncludeDetail). A return is its own transaction
 * (`isReturn`, `returnOnTransactionId` naming the sale); the sale's returned items only gain
 * `isReturned`/`returnedByTransactionId`. A void wins over a return: a voided return undoes the
 * return. Return totals come back negative, so return lines carry magnitudes. Dutchie gives no
 * separate facility-local time here.
 */
export function mapTransaction(raw: unknown): SaleResult {
  if (!isRecord(raw)) return { ok: false, reason: 'transaction record is not an object' };
  const vendorSaleId = id(raw.transactionId);
  const completedAt = isoUtc(raw.transactionDate);
  const problems: string[] = [];
  if (vendorSaleId === undefined) problems.push('transactionId missing');
  if (completedAt === undefined) problems.push(`transactionDate ${JSON.stringify(raw.transactionDate)} is not a date`);
  if (!Array.isArray(raw.items)) problems.push('items missing (IncludeDetail not honoured?)');
  const isReturn = raw.isReturn === true;
  const lines: PosSaleLine[] = [];
  if (Array.isArray(raw.items)) {
    raw.items.forEach((li: unknown, i) => {
      const line = mapLine(li);
      if (typeof line === 'string') problems.push(`items[${i}]: ${line}`);
      else lines.push(isReturn ? magnitudes(line) : line);
    });
  }
  if (problems.length > 0 || !vendorSaleId || !completedAt) {
    return { ok: false, ...optional('vendorSaleId', vendorSaleId), reason: problems.join('; ') };
  }
  const status: SaleStatus = raw.isVoid === true ? 'voided' : isReturn ? 'returned' : 'completed';
  const returnOf = isReturn ? id(raw.returnOnTransactionId) : undefined;
  return { ok: true, sale: { vendorSaleId, completedAt, status, ...optional('returnOf', returnOf), lines } };
}

function mapLine(raw: unknown): PosSaleLine | string {
  const line = saleLine(raw, { itemId: 'inventoryId', total: 'totalPrice' });
  if (typeof line === 'string' || !isRecord(raw)) return line;
  return { ...line, ...optional('packageLabel', metrcTag(raw.packageId)) };
}
