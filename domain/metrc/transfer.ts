/**
 * The outgoing transfer template for an order: what the order holds, in METRC's shape. The
 * template Name is the order number, which makes it the natural key METRC can be searched by.
 * Each package ships the line's quantity, not the whole package (issue 14.2: a 5-unit line
 * fulfilled from a 160-unit package shipped 160).
 */
import type { TransferTemplatePayload } from './kinds.js';

export interface OrderForTransfer {
  orderNumber: string;
  shipperLicense: string;
  recipientLicense: string;
  requestedDeliveryDate: string | null;
  lines: { itemId: string; packageLabel: string | null; lineTotalMinor: number; quantity: number; unitOfMeasure: string }[];
}

export type TemplateBuild =
  | { ok: true; payload: TransferTemplatePayload; packageLabels: string[] }
  | { ok: false; reason: string };

/** `now` is passed in so the same order always builds the same template within one attempt. */
export function buildTransferTemplate(order: OrderForTransfer, transferTypeName: string, now: Date): TemplateBuild {
  const unlabeled = order.lines.filter((l) => !l.packageLabel);
  if (order.lines.length === 0) return { ok: false, reason: 'the order has no lines' };
  if (unlabeled.length) {
    return {
      ok: false,
      reason: `order lines without a METRC package label: ${unlabeled.map((l) => l.itemId).join(', ')}`,
    };
  }
  const labels = order.lines.map((l) => l.packageLabel!);
  if (new Set(labels).size !== labels.length) return { ok: false, reason: 'a package label appears on two lines' };
  if (order.shipperLicense === order.recipientLicense) {
    return { ok: false, reason: 'ship-from and ship-to locations share one license' };
  }
  const departure = new Date(Math.ceil(now.getTime() / 3_600_000) * 3_600_000);
  const requested = order.requestedDeliveryDate ? new Date(`${order.requestedDeliveryDate}T17:00:00Z`) : null;
  const arrival =
    requested && requested.getTime() > departure.getTime() ? requested : new Date(departure.getTime() + 86_400_000);
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    ok: true,
    packageLabels: labels,
    payload: {
      Name: order.orderNumber,
      Destinations: [
        {
          RecipientLicenseNumber: order.recipientLicense,
          TransferTypeName: transferTypeName,
          InvoiceNumber: order.orderNumber,
          EstimatedDepartureDateTime: iso(departure),
          EstimatedArrivalDateTime: iso(arrival),
          Packages: order.lines.map((l) => ({
            PackageLabel: l.packageLabel!,
            Quantity: l.quantity,
            UnitOfMeasure: l.unitOfMeasure,
            WholesalePrice: Math.round(l.lineTotalMinor) / 100,
          })),
        },
      ],
    },
  };
}
