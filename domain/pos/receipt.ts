/**
 * A completed POS sale as a METRC sales-receipt payload. METRC wants the sale time as the
 * facility's local wall-clock time, and one transaction line per package sold.
 */
export interface SaleLineInput {
  vendorItemId: string;
  packageLabel?: string;
  quantity: number;
  unitPriceMinor: number;
  totalMinor: number;
}

export interface SaleInput {
  vendorSaleId: string;
  completedAt: string;
  completedAtLocal?: string;
  lines: SaleLineInput[];
}

export interface HeldPackage {
  label: string;
  unitOfMeasure: string;
}

export type ReceiptResult = { ok: true; payload: Record<string, unknown> } | { ok: false; reason: string };

/** `YYYY-MM-DDTHH:mm:ss` in `timeZone` (IANA), as METRC's SalesDateTime expects. */
export function facilityLocalTime(isoUtc: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(isoUtc))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

export const receiptNumber = (vendor: string, vendorSaleId: string) => `POS-${vendor.toUpperCase()}-${vendorSaleId}`.slice(0, 100);

const money = (minor: number) => Math.round(minor) / 100;

/**
 * `packages` resolves a line's vendor item to the package label and unit we hold when the vendor
 * line carries no label (BLAZE never does). A line with no label anywhere makes the sale
 * unreportable: METRC cannot take a receipt line without a package.
 */
export function saleReceipt(
  vendor: string,
  sale: SaleInput,
  timeZone: string,
  packages: ReadonlyMap<string, HeldPackage>,
): ReceiptResult {
  if (sale.lines.length === 0) return { ok: false, reason: 'sale has no lines' };
  const transactions: Record<string, unknown>[] = [];
  for (const line of sale.lines) {
    const held = packages.get(line.vendorItemId);
    const label = line.packageLabel ?? held?.label;
    if (!label) return { ok: false, reason: `no METRC package label for vendor item ${line.vendorItemId}` };
    if (!(line.quantity > 0)) return { ok: false, reason: `line for ${line.vendorItemId} has quantity ${line.quantity}` };
    transactions.push({
      PackageLabel: label,
      Quantity: line.quantity,
      UnitOfMeasure: held?.unitOfMeasure ?? 'Each',
      TotalAmount: money(line.totalMinor),
      Price: money(line.unitPriceMinor),
    });
  }
  return {
    ok: true,
    payload: {
      SalesDateTime: sale.completedAtLocal ?? facilityLocalTime(sale.completedAt, timeZone),
      ExternalReceiptNumber: receiptNumber(vendor, sale.vendorSaleId),
      SalesCustomerType: 'Consumer',
      Transactions: transactions,
    },
  };
}
