/**
 * The vendor-neutral contract the POS sync codes against. Vendors differ in how inventory can be
 * read, so the connector says which style it offers (`inventoryMode`) and the sync picks the
 * matching strategy: diff a full snapshot, or apply pages of changes since a cursor.
 */
export type PosVendor = 'dutchie' | 'blaze';

/** Units normalised across vendors; anything else is reported as an item error. */
export type UnitOfMeasure = 'each' | 'g' | 'mg' | 'kg' | 'oz' | 'lb' | 'ml' | 'l';

export interface PosItem {
  vendorItemId: string;
  sku: string;
  name: string;
  /** null when the vendor record has none; never invented. */
  category: string | null;
  brand: string | null;
  unitOfMeasure: UnitOfMeasure;
  /** Integer minor units (cents). */
  priceMinor: number;
  currency: string;
  quantity: number;
  /** METRC package tag (24 characters) when the vendor carries one. */
  packageLabel?: string;
  /** ISO-8601 UTC. */
  modifiedAt?: string;
}

/**
 * One vendor record that could not be normalised. Yielded in place of the item so that one bad
 * record does not fail the page; the sync records it and carries on.
 */
export interface PosRecordError {
  ok: false;
  vendorItemId?: string;
  reason: string;
}

export type ItemResult = { ok: true; item: PosItem } | PosRecordError;

/**
 * `completed`: a finished sale. `voided`: the transaction was cancelled after the fact (when
 * `returnOf` is set it was a return, and the return is undone). `returned`: a return
 * transaction giving goods of the sale `returnOf` back; its lines are the returned quantities.
 */
export type SaleStatus = 'completed' | 'voided' | 'returned';

export interface PosSaleLine {
  vendorItemId: string;
  sku?: string;
  packageLabel?: string;
  quantity: number;
  unitPriceMinor: number;
  totalMinor: number;
}

export interface PosSale {
  vendorSaleId: string;
  /** ISO-8601 UTC. */
  completedAt: string;
  /** Facility-local wall-clock time, only when the vendor states it. */
  completedAtLocal?: string;
  status: SaleStatus;
  /** Vendor's own state-compliance submission status, when it reports one (BLAZE). */
  complianceStatus?: string;
  /**
   * For a return (or a voided return): the vendorSaleId of the sale the goods came from. Equal
   * to vendorSaleId when the vendor refunded the whole sale in place. Absent when the vendor
   * did not say, which makes the return impossible to mirror.
   */
  returnOf?: string;
  /**
   * For a return: whether the goods went back into stock. False for a money-only refund
   * (BLAZE RefundWithoutInventory), which moves no package quantity; absent when not stated.
   */
  restocked?: boolean;
  /** Lines with positive quantities and amounts, also on returns (vendors sign them differently). */
  lines: PosSaleLine[];
}

export type SaleResult =
  { ok: true; sale: PosSale } | (Omit<PosRecordError, 'vendorItemId'> & { vendorSaleId?: string });

export interface PosIdentity {
  vendor: PosVendor;
  locationId?: string;
  locationName?: string;
  licenseNumber?: string;
  state?: string;
}

/** Position in a vendor's change feed. Only ever produced by a connector; store it as-is. */
export interface ChangeCursor {
  /** Epoch ms; vendor records modified at or after this are read. */
  since: number;
}

/** Where a half-finished incremental read stopped, so a retried activity can continue from there. */
export interface ChangeResumePoint {
  since: number;
  until: number;
  skip: number;
  /** Highest vendor `modified` seen so far in this window. */
  maxModified: number;
  /** `total` reported by the first page; a different total later means the window shifted. */
  total?: number;
  /**
   * Set once a page reports a different total: items moved out of the window while we paged, so
   * skip offsets may have jumped over some. The run then does not advance the cursor.
   */
  windowShifted?: boolean;
}

export interface ChangePage {
  results: ItemResult[];
  /** Pass to `changes()` to continue after this page if the run is interrupted. */
  resume: ChangeResumePoint;
  /** Set on the last page only: the cursor for the next run. */
  next?: ChangeCursor;
}

export interface SalesCursor {
  /** Epoch ms; sales modified at or after this are read. */
  since: number;
}

export interface SalesPage {
  results: SaleResult[];
  /** Set on the last page only: the cursor for the next run. */
  next?: SalesCursor;
}

interface ConnectorBase {
  readonly vendor: PosVendor;
  /** Cheap authenticated call that proves the credentials work and says who they belong to. */
  whoami(): Promise<PosIdentity>;
  /** Sales since the cursor (first run: pass undefined to start `defaultSalesLookbackMs` ago). */
  sales(cursor?: SalesCursor, opts?: { pageSize?: number; now?: number }): AsyncIterable<SalesPage>;
}

export interface SnapshotConnector extends ConnectorBase {
  readonly inventoryMode: 'snapshot';
  /**
   * The full current inventory in chunks of at most `chunkSize` results. The snapshot is only
   * complete if iteration ends without throwing; a sync must not zero missing items after an
   * error part-way through.
   */
  snapshot(opts?: { chunkSize?: number }): AsyncIterable<ItemResult[]>;
}

export interface IncrementalConnector extends ConnectorBase {
  readonly inventoryMode: 'incremental';
  /**
   * Items modified since `from` (a cursor from a previous run, a resume point from an interrupted
   * one, or undefined for everything), one page per vendor request.
   */
  changes(
    from?: ChangeCursor | ChangeResumePoint,
    opts?: { pageSize?: number; now?: number },
  ): AsyncIterable<ChangePage>;
}

export type PosConnector = SnapshotConnector | IncrementalConnector;

export const DEFAULT_SALES_LOOKBACK_MS = 7 * 24 * 60 * 60 * 1000;
