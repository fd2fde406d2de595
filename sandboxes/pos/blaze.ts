import express, { type Request, type Response } from 'express';
import { DEMO_BLAZE_CREDENTIALS } from './demo-credentials.js';
import { adminRouter, type SandboxState } from './support/admin.js';
import { SyntheticCatalog, type SyntheticItem } from './support/catalog.js';
import { type Faults, faultMiddleware, NO_FAULTS } from './support/faults.js';
import { hash32 } from './support/random.js';
import { type SyntheticSale, SyntheticSales } from './support/sales.js';
import { listen, type RunningSandbox } from './support/serve.js';
import { modifiedWindow } from './support/window.js';
import type { BlazeCredentials, BlazeList, BlazeProduct, BlazeSubmitStatus, BlazeTransaction } from '../../integrations/pos/blaze/types.js';

export interface BlazeSandboxOptions {
  credentials?: BlazeCredentials;
  items?: number;
  seed?: number;
  sales?: number;
  faults?: Partial<Faults>;
  /**
   * Whether the store has BLAZE report its sales to METRC itself (the default, as most stores
   * do: every transaction then carries traceSubmitStatus Completed). false serves 'None', so a
   * hub reports them.
   */
  vendorReportsToMetrc?: boolean;
}

export interface Sandbox {
  app: express.Express;
  state: SandboxState;
  start(port?: number): Promise<RunningSandbox>;
}

export const BLAZE_SANDBOX_PREFIX = '/api/v1/partner';
const MAX_LIMIT = 500;
const INVENTORY_ROOM_ID = 'a1b2c3d4e5f6a7b8c9d0e1f2';

/** BLAZE ids are 24-hex Mongo ObjectIds; derive one per kind and index. */
function objectId(kind: number, seed: number, index: number): string {
  return (
    kind.toString(16).padStart(2, '0') +
    (seed % 0x1000000).toString(16).padStart(6, '0') +
    index.toString(16).padStart(16, '0')
  );
}

const dollars = (cents: number) => cents / 100;

function productRecord(item: SyntheticItem, seed: number, malformed: boolean): Record<string, unknown> {
  const rec: BlazeProduct & Record<string, unknown> = {
    id: objectId(1, seed, item.index),
    sku: item.sku,
    name: item.name,
    category: { name: item.category, unitType: item.unit === 'g' ? 'grams' : 'units' },
    brandName: item.brand,
    unitPrice: dollars(item.priceCents),
    weightPerUnit: item.unit === 'g' ? 'FULL_GRAM' : 'EACH',
    quantities: [{ inventoryId: INVENTORY_ROOM_ID, quantity: item.quantity }],
    totalSellableQuantity: item.quantity,
    modified: item.modifiedMs,
  };
  if (!malformed) return rec;
  // the kinds of damage real feeds show: missing ids, prices as text, no category, blank names
  const broken: Record<string, unknown> = rec;
  switch (hash32(item.index, 0, 6) % 4) {
    case 0:
      delete broken.id;
      break;
    case 1:
      broken.unitPrice = 'N/A';
      break;
    case 2:
      broken.category = null;
      break;
    default:
      broken.name = '';
  }
  return broken;
}

/**
 * A sale, or a refund: a child transaction (transType Refund, status RefundWithInventory) whose
 * parentTransactionId names the sale and whose cart holds the refunded items. The sale shows
 * transactionRefundStatus and, per item, totalRefundQty (status Refunded once all went back).
 */
function transactionRecord(sale: SyntheticSale, catalog: SyntheticCatalog, submitStatus: BlazeSubmitStatus): BlazeTransaction {
  const seed = catalog.seedValue;
  const isRefund = sale.returnOf !== undefined;
  const subTotal = sale.lines.reduce((s, l) => s + l.totalCents, 0);
  const tax = Math.round(subTotal * 0.15);
  const refunded = sale.lines.filter((l) => l.returnedQuantity > 0);
  return {
    id: objectId(2, seed, sale.index),
    transNo: String(10_000 + sale.index),
    status: sale.status === 'voided' ? 'Void' : isRefund ? 'RefundWithInventory' : 'Completed',
    transType: isRefund ? 'Refund' : 'Sale',
    ...(isRefund ? { parentTransactionId: objectId(2, seed, sale.returnOf!) } : {}),
    processedTime: sale.atMs,
    modified: sale.modifiedMs,
    ...(sale.voidedMs !== undefined ? { voidDate: sale.voidedMs } : {}),
    ...(isRefund
      ? {}
      : {
          transactionRefundStatus:
            refunded.length === 0 ? 'None' : sale.lines.every((l) => l.returnedQuantity >= l.quantity) ? 'Complete_Refund' : 'Partial_Refund',
        }),
    cart: {
      subTotal: dollars(subTotal),
      totalDiscount: 0,
      tax: dollars(tax),
      total: dollars(subTotal + tax),
      items: sale.lines.map((l) => ({
        productId: objectId(1, seed, l.itemIndex),
        productSku: catalog.get(l.itemIndex).sku,
        quantity: l.quantity,
        unitPrice: dollars(l.unitPriceCents),
        finalPrice: dollars(l.totalCents),
        batchId: objectId(3, seed, l.itemIndex),
        status: l.returnedQuantity >= l.quantity ? 'Refunded' : 'Active',
        ...(l.returnedQuantity > 0 ? { totalRefundQty: l.returnedQuantity } : {}),
      })),
    },
    traceSubmitStatus: submitStatus,
    complianceSubmitStatus: submitStatus,
  };
}

/** Index from an objectId of `kind` made with `seed`, or undefined for anything else. */
function objectIndex(id: string, kind: number, seed: number, size: number): number | undefined {
  const prefix = kind.toString(16).padStart(2, '0') + (seed % 0x1000000).toString(16).padStart(6, '0');
  if (!/^[0-9a-f]{24}$/.test(id) || !id.startsWith(prefix)) return undefined;
  const j = Number.parseInt(id.slice(8), 16);
  return j < size ? j : undefined;
}

function int(req: Request, name: string, fallback: number): number | undefined {
  const v = req.query[name];
  if (v === undefined || v === '') return fallback;
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** `MM/dd/yyyy` (as partner clients send it) or epoch ms; `endOfDay` makes a date inclusive. */
function dateParam(req: Request, name: string, endOfDay: boolean): number | null | undefined {
  const v = req.query[name];
  if (v === undefined || v === '') return null;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(v);
  if (m) {
    const start = Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]));
    return endOfDay ? start + 86_400_000 - 1 : start;
  }
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

function list<T>(res: Response, values: T[], skip: number, limit: number, total: number): void {
  const body: BlazeList<T> = { values, skip, limit, total };
  res.json(body);
}

function badRequest(res: Response, message: string): void {
  res.status(400).json({ message });
}

/**
 * A local BLAZE partner API: `partner_key` + `Authorization` headers, `{values, skip, limit,
 * total}` envelopes, epoch-ms product deltas and MM/dd/yyyy transaction dates. Limits above 500
 * are capped, so clients must page by `total`, not by page length.
 */
export function createBlazeSandbox(opts: BlazeSandboxOptions = {}): Sandbox {
  const creds = opts.credentials ?? DEMO_BLAZE_CREDENTIALS;
  const submitStatus: BlazeSubmitStatus = opts.vendorReportsToMetrc === false ? 'None' : 'Completed';
  const catalog = new SyntheticCatalog({ items: opts.items ?? 2000, seed: opts.seed ?? 42 });
  const state: SandboxState = {
    catalog,
    sales: new SyntheticSales(catalog, opts.sales ?? 500, Date.now()),
    faults: { ...NO_FAULTS, ...opts.faults },
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/__sandbox',
    adminRouter(state, {
      item: (i) => objectId(1, catalog.seedValue, i),
      sale: (j) => objectId(2, catalog.seedValue, j),
      itemIndex: (id) => objectIndex(id, 1, catalog.seedValue, catalog.size),
      saleIndex: (id) => objectIndex(id, 2, catalog.seedValue, state.sales.size),
    }),
  );

  const api = express.Router();
  api.use(
    faultMiddleware({
      faults: () => state.faults,
      seed: () => catalog.seedValue,
      authorized: (req) => req.get('partner_key') === creds.partnerKey && req.get('authorization') === creds.storeKey,
      unauthorized: (res) => void res.status(401).json({ message: 'Invalid partner or store key' }),
      failed: (res, status) =>
        void res.status(status).json({ message: status === 429 ? 'Rate limit exceeded' : 'Internal server error' }),
    }),
  );

  api.get('/store/inventory/inventories', (_req, res) => {
    list(res, [{ id: INVENTORY_ROOM_ID, name: 'Sales Floor', type: 'Storage', active: true }], 0, 1, 1);
  });

  api.get('/products/modified', (req, res) => {
    const since = int(req, 'startDate', 0);
    const until = int(req, 'endDate', Date.now());
    const skip = int(req, 'skip', 0);
    const limit = int(req, 'limit', MAX_LIMIT);
    if (since === undefined || until === undefined)
      return badRequest(res, 'startDate/endDate must be epoch milliseconds');
    if (skip === undefined || limit === undefined) return badRequest(res, 'skip/limit must be non-negative integers');
    const window = modifiedWindow(catalog, since, until);
    const capped = Math.min(limit, MAX_LIMIT);
    const rate = state.faults.malformedRate;
    const values = window
      .page(skip, capped)
      .map((i) => productRecord(catalog.get(i), catalog.seedValue, catalog.malformed(i, rate)));
    list(res, values, skip, capped, window.total);
  });

  api.get('/transactions', (req, res) => {
    const from = dateParam(req, 'startDate', false);
    const to = dateParam(req, 'endDate', true);
    const skip = int(req, 'skip', 0);
    const limit = int(req, 'limit', MAX_LIMIT);
    if (from === undefined || to === undefined) return badRequest(res, 'startDate/endDate must be MM/dd/yyyy');
    if (skip === undefined || limit === undefined) return badRequest(res, 'skip/limit must be non-negative integers');
    const range = state.sales.between(from ?? 0, to ?? Date.now());
    const total = range.end - range.first;
    const capped = Math.min(limit, MAX_LIMIT);
    const values: BlazeTransaction[] = [];
    for (let j = range.first + skip; j < range.end && values.length < capped; j++) {
      values.push(transactionRecord(state.sales.get(j), catalog, submitStatus));
    }
    list(res, values, skip, capped, total);
  });

  app.use(BLAZE_SANDBOX_PREFIX, api);
  app.use((_req, res) => void res.status(404).json({ message: 'Not found' }));

  return { app, state, start: (port?: number) => listen(app, port) };
}
