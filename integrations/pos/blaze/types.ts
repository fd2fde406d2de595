/** BLAZE partner API wire shapes. The mapping code still checks every field it reads. */
export interface BlazeCredentials {
  /** Sent as the `partner_key` header. */
  partnerKey: string;
  /** Store key, sent as the `Authorization` header value as-is. */
  storeKey: string;
}

/** Every BLAZE list answers with this envelope. */
export interface BlazeList<T> {
  values: T[];
  skip: number;
  limit: number;
  total: number;
}

export interface BlazeProduct {
  id: string;
  sku: string;
  name: string;
  category?: { name?: string; unitType?: string };
  brandName?: string;
  unitPrice: number;
  weightPerUnit?: string;
  quantities?: { inventoryId: string; quantity: number }[];
  totalSellableQuantity?: number;
  /** epoch ms */
  modified: number;
}

export const BLAZE_TRANSACTION_STATUSES = [
  'Queued',
  'Hold',
  'InProgress',
  'Completed',
  'Pending',
  'Canceled',
  'RefundWithInventory',
  'RefundWithoutInventory',
  'Void',
  'VoidSales',
  'Draft',
] as const;
export type BlazeTransactionStatus = (typeof BLAZE_TRANSACTION_STATUSES)[number];

export type BlazeSubmitStatus =
  | 'None'
  | 'SubmissionPending'
  | 'SubmissionInProgress'
  | 'SubmissionWaitingID'
  | 'Submitted'
  | 'Completed'
  | 'SubmissionError'
  | 'Deleted'
  | 'Rescheduled';

export interface BlazeCartItem {
  productId: string;
  productSku?: string;
  quantity: number;
  unitPrice: number;
  finalPrice: number;
  batchId?: string;
  /** Active, Refunded, Exchange or Void. */
  status?: string;
  /** How much of the item refunds gave back so far. */
  totalRefundQty?: number;
}

export interface BlazeTransaction {
  id: string;
  transNo: string;
  status: BlazeTransactionStatus;
  /** Sale, Refund, Adjustment, Transfer, Exchange, ReturnToVendor, ShippingManifest, Void */
  transType?: string;
  /** On a refund: the sale it refunds. */
  parentTransactionId?: string;
  /** On a sale: None, In_Progress, Complete_Refund or Partial_Refund. */
  transactionRefundStatus?: string;
  /** epoch ms */
  processedTime?: number;
  /** epoch ms */
  modified: number;
  /** epoch ms */
  voidDate?: number;
  cart: { subTotal: number; totalDiscount: number; tax: number; total: number; items: BlazeCartItem[] };
  traceSubmitStatus?: BlazeSubmitStatus;
  complianceSubmitStatus?: BlazeSubmitStatus;
  metrcId?: string;
}
