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
  status?: string;
}

export interface BlazeTransaction {
  id: string;
  transNo: string;
  status: BlazeTransactionStatus;
  transType?: string;
  /** epoch ms */
  processedTime?: number;
  /** epoch ms */
  modified: number;
  cart: { subTotal: number; totalDiscount: number; tax: number; total: number; items: BlazeCartItem[] };
  traceSubmitStatus?: BlazeSubmitStatus;
  complianceSubmitStatus?: BlazeSubmitStatus;
  metrcId?: string;
}
