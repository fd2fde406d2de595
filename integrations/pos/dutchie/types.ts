/**
 * Dutchie POS wire shapes (API v1.0.0). Fields are typed as the vendor documents them, but the
 * mapping code treats every record as unknown input and checks each field it uses.
 */
export interface DutchieCredentials {
  /** Location API key: the Basic-auth username. One key = one location. */
  locationKey: string;
  /** Integrator key: the Basic-auth password; empty when the location key is used alone. */
  integratorKey?: string;
}

export interface DutchieWhoAmI {
  locationId: number;
  locationName: string;
  lspId: number;
  licenseNumber: string;
  state: string;
}

export interface DutchieRoomQuantity {
  roomId: number;
  room: string;
  quantityAvailable: number;
}

export interface DutchieInventoryItem {
  inventoryId: number;
  productId: number;
  sku: string;
  productName: string;
  category: string;
  quantityAvailable: number;
  /** g, mg or ea */
  quantityUnits: string;
  unitPrice: number;
  recUnitPrice?: number;
  medUnitPrice?: number;
  batchId?: number;
  batchName?: string;
  packageId?: string;
  /** State traceability id (METRC or BioTrack). */
  externalPackageId?: string;
  packageStatus?: string;
  labTestStatus?: string;
  roomQuantities?: DutchieRoomQuantity[];
  lastModifiedDateUtc?: string;
}

export interface DutchieProductDetail {
  productId: number;
  sku: string;
  productName: string;
  category: string;
  brandName?: string;
  price?: number;
  recPrice?: number;
  medPrice?: number;
  unitType?: string;
  isActive: boolean;
  upc?: string;
  lastModifiedDateUtc?: string;
}

export interface DutchieTransactionItem {
  transactionItemId: number;
  productId: number;
  inventoryId: number;
  packageId?: string;
  quantity: number;
  unitPrice: number;
  totalPrice: number;
  unitCost?: number;
  batchName?: string;
  isReturned?: boolean;
  /** The return transaction that took this item back. */
  returnedByTransactionId?: number | null;
  returnDate?: string | null;
}

export interface DutchieTransaction {
  transactionId: number;
  transactionDate: string;
  lastModifiedDateUTC: string;
  isVoid: boolean;
  voidDate?: string | null;
  /** A return is its own transaction; this names the sale it gives goods back from. */
  isReturn: boolean;
  returnOnTransactionId?: number | null;
  transactionType: 'Retail' | 'Transfer' | 'WholesaleOrder' | string;
  subtotal: number;
  totalDiscount: number;
  tax: number;
  total: number;
  items?: DutchieTransactionItem[];
}

export interface DutchieValidationResult {
  isValid: boolean;
  errors: { propertyName: string; errorMessage: string }[];
}
