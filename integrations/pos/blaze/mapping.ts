import type { ItemResult, PosSaleLine, SaleResult, SaleStatus } from '../connector.js';
import {
  saleLine,
  finite,
  id,
  isoUtc,
  isRecord,
  magnitudes,
  optional,
  text,
  toMinorUnits,
  unitOfMeasure,
  VENDOR_CURRENCY,
} from '../normalize.js';

/**
 * One BLAZE product. BLAZE products carry no state package tag (that lives on METRC-linked
 * batches), so packageLabel stays absent. Sellable quantity is the vendor's own total when given,
 * otherwise the sum over inventory rooms.
 */
export function mapProduct(raw: unknown): ItemResult {
  if (!isRecord(raw)) return { ok: false, reason: 'product record is not an object' };
  const vendorItemId = id(raw.id);
  const category = isRecord(raw.category) ? raw.category : undefined;
  const sku = text(raw.sku);
  const name = text(raw.name);
  const unit = unitOfMeasure(category?.unitType);
  const priceMinor = toMinorUnits(raw.unitPrice);
  const quantity = finite(raw.totalSellableQuantity) ?? sumQuantities(raw.quantities);
  const modifiedAt = isoUtc(raw.modified);
  const problems: string[] = [];
  if (vendorItemId === undefined) problems.push('id missing');
  if (sku === undefined) problems.push('sku missing');
  if (name === undefined) problems.push('name missing');
  if (unit === undefined) problems.push(`category.unitType ${JSON.stringify(category?.unitType)} not understood`);
  if (priceMinor === undefined || priceMinor < 0)
    problems.push(`unitPrice ${JSON.stringify(raw.unitPrice)} is not a price`);
  if (quantity === undefined) problems.push('neither totalSellableQuantity nor quantities[] is numeric');
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
  return {
    ok: true,
    item: {
      vendorItemId,
      sku,
      name,
      category: text(category?.name) ?? null,
      brand: text(raw.brandName) ?? null,
      unitOfMeasure: unit,
      priceMinor,
      currency: VENDOR_CURRENCY,
      quantity,
      ...optional('modifiedAt', modifiedAt),
    },
  };
}

function sumQuantities(v: unknown): number | undefined {
  if (!Array.isArray(v)) return undefined;
  let sum = 0;
  for (const q of v) {
    const n = isRecord(q) ? finite(q.quantity) : undefined;
    if (n === undefined) return undefined;
    sum += n;
  }
  return sum;
}

/** `modified` (epoch ms) of any BLAZE record, for cursor keeping; undefined when absent. */
export function modifiedMs(raw: unknown): number | undefined {
  return isRecord(raw) ? finite(raw.modified) : undefined;
}

const STATUS: Partial<Record<string, SaleStatus>> = {
  Completed: 'completed',
  Canceled: 'voided',
  Void: 'voided',
  VoidSales: 'voided',
  RefundWithInventory: 'returned',
  RefundWithoutInventory: 'returned',
};

const REFUND_STATUSES = new Set(['RefundWithInventory', 'RefundWithoutInventory']);

/**
 * One BLAZE transaction, or null when it has not reached a final state (Queued, Hold, InProgress,
 * Pending, Draft): those have moved no stock yet and will show up again when they do.
 *
 * Refunds: a refund is a child transaction (`transType` Refund, status RefundWith[out]Inventory)
 * whose `parentTransactionId` names the sale and whose cart holds the refunded items. A refund
 * status on a transaction without a parent is read as the sale refunded in place (BLAZE's older
 * refund flow): a return of all of its own lines. RefundWithoutInventory gives money back but
 * no goods to stock (`restocked: false`). A voided refund (Void with transType Refund) undoes it.
 */
export function mapTransaction(raw: unknown): SaleResult | null {
  if (!isRecord(raw)) return { ok: false, reason: 'transaction record is not an object' };
  const vendorSaleId = id(raw.id);
  const rawStatus = text(raw.status);
  const status = rawStatus === undefined ? undefined : STATUS[rawStatus];
  const problems: string[] = [];
  if (vendorSaleId === undefined) problems.push('id missing');
  if (rawStatus === undefined) problems.push('status missing');
  else if (status === undefined) {
    if ((['Queued', 'Hold', 'InProgress', 'Pending', 'Draft'] as string[]).includes(rawStatus)) return null;
    problems.push(`status ${JSON.stringify(rawStatus)} not understood`);
  }
  const completedAt = isoUtc(raw.processedTime);
  if (completedAt === undefined) problems.push('processedTime missing');
  const cart = isRecord(raw.cart) ? raw.cart : undefined;
  if (!cart || !Array.isArray(cart.items)) problems.push('cart.items missing');
  const lines: PosSaleLine[] = [];
  if (cart && Array.isArray(cart.items)) {
    cart.items.forEach((li: unknown, i) => {
      const line = mapLine(li);
      if (typeof line === 'string') problems.push(`cart.items[${i}]: ${line}`);
      else lines.push(line);
    });
  }
  if (problems.length > 0 || !vendorSaleId || !status || !completedAt) {
    return { ok: false, ...optional('vendorSaleId', vendorSaleId), reason: problems.join('; ') };
  }
  const compliance = text(raw.traceSubmitStatus) ?? text(raw.complianceSubmitStatus);
  const parent = id(raw.parentTransactionId);
  const isRefund = REFUND_STATUSES.has(rawStatus!) || text(raw.transType) === 'Refund';
  const returnOf = isRefund ? (parent ?? vendorSaleId) : undefined;
  return {
    ok: true,
    sale: {
      vendorSaleId,
      completedAt,
      // A completed refund transaction is a return, whatever status word carried it.
      status: isRefund && status === 'completed' ? 'returned' : status,
      ...optional('complianceStatus', compliance),
      ...optional('returnOf', returnOf),
      ...(REFUND_STATUSES.has(rawStatus!) ? { restocked: rawStatus === 'RefundWithInventory' } : {}),
      lines: isRefund ? lines.map(magnitudes) : lines,
    },
  };
}

function mapLine(raw: unknown): PosSaleLine | string {
  const line = saleLine(raw, { itemId: 'productId', total: 'finalPrice' });
  if (typeof line === 'string' || !isRecord(raw)) return line;
  return { ...line, ...optional('sku', text(raw.productSku)) };
}
