import express, { type Request, type Response } from 'express';
import { DEMO_DUTCHIE_CREDENTIALS } from './demo-credentials.js';
import { adminRouter, type SandboxState } from './support/admin.js';
import { SyntheticCatalog, type SyntheticItem } from './support/catalog.js';
import { type Faults, faultMiddleware, NO_FAULTS } from './support/faults.js';
import { hash32 } from './support/random.js';
import { type SyntheticSale, SyntheticSales } from './support/sales.js';
import { listen, type RunningSandbox, streamJsonArray } from './support/serve.js';
import type {
  DutchieCredentials,
  DutchieInventoryItem,
  DutchieTransaction,
  DutchieValidationResult,
  DutchieWhoAmI,
} from '../../integrations/pos/dutchie/types.js';

export interface DutchieSandboxOptions {
  credentials?: DutchieCredentials;
  items?: number;
  seed?: number;
  sales?: number;
  faults?: Partial<Faults>;
  location?: Partial<DutchieWhoAmI>;
  /**
   * Inventory rows per product: Dutchie lists one row per package (batch) of a product at the
   * location, so several rows share productId and SKU and differ in inventoryId and package tag.
   */
  packagesPerSku?: number;
}

export interface Sandbox {
  app: express.Express;
  state: SandboxState;
  start(port?: number): Promise<RunningSandbox>;
}

const INVENTORY_ID_BASE = 1;
const PRODUCT_ID_BASE = 500_000;
const TRANSACTION_ID_BASE = 900_000;

/** Dutchie writes UTC timestamps without a zone designator. */
function dutchieTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '');
}

const dollars = (cents: number) => cents / 100;

function inventoryRecord(item: SyntheticItem, rooms: boolean, malformed: boolean): Partial<DutchieInventoryItem> {
  const rec: Partial<DutchieInventoryItem> & Record<string, unknown> = {
    inventoryId: INVENTORY_ID_BASE + item.index,
    productId: PRODUCT_ID_BASE + item.productIndex,
    sku: item.sku,
    productName: item.name,
    category: item.category,
    quantityAvailable: item.quantity,
    quantityUnits: item.unit === 'g' ? 'g' : 'ea',
    unitPrice: dollars(item.priceCents),
    recUnitPrice: dollars(item.priceCents),
    medUnitPrice: dollars(Math.round(item.priceCents * 0.9)),
    batchId: 70_000 + item.index,
    batchName: `B-${item.index}`,
    packageId: item.packageLabel,
    externalPackageId: item.packageLabel,
    packageStatus: 'Active',
    labTestStatus: 'Passed',
    lastModifiedDateUtc: dutchieTime(item.modifiedMs),
  };
  if (rooms) rec.roomQuantities = [{ roomId: 1, room: 'Sales Floor', quantityAvailable: item.quantity }];
  if (malformed) breakRecord(rec, item.index);
  return rec;
}

/** The kinds of damage real feeds show: missing ids, prices as text, unknown units, null names. */
function breakRecord(rec: Record<string, unknown>, index: number): void {
  switch (hash32(index, 0, 5) % 4) {
    case 0:
      delete rec.inventoryId;
      break;
    case 1:
      rec.unitPrice = 'N/A';
      rec.recUnitPrice = null;
      rec.medUnitPrice = null;
      break;
    case 2:
      rec.quantityUnits = 'bushel';
      break;
    default:
      rec.productName = null;
  }
}

/**
 * A sale, or a return: its own transaction with `isReturn` and `returnOnTransactionId`, negative
 * totals, and the returned items (positive quantities, negative line totals). The sale's
 * returned items show `isReturned` and the return that took them back.
 */
function transactionRecord(sale: SyntheticSale, detail: boolean, catalog: SyntheticCatalog): DutchieTransaction {
  const isReturn = sale.returnOf !== undefined;
  const sign = isReturn ? -1 : 1;
  const subtotalCents = sale.lines.reduce((s, l) => s + l.totalCents, 0);
  const taxCents = Math.round(subtotalCents * 0.15);
  const tx: DutchieTransaction = {
    transactionId: TRANSACTION_ID_BASE + sale.index,
    transactionDate: dutchieTime(sale.atMs),
    lastModifiedDateUTC: dutchieTime(sale.modifiedMs),
    isVoid: sale.status === 'voided',
    voidDate: sale.voidedMs === undefined ? null : dutchieTime(sale.voidedMs),
    isReturn,
    returnOnTransactionId: isReturn ? TRANSACTION_ID_BASE + sale.returnOf! : null,
    transactionType: 'Retail',
    subtotal: dollars(sign * subtotalCents),
    totalDiscount: 0,
    tax: dollars(sign * taxCents),
    total: dollars(sign * (subtotalCents + taxCents)),
  };
  if (detail) {
    const lastReturn = sale.returnedBy.at(-1);
    tx.items = sale.lines.map((l, k) => ({
      transactionItemId: (TRANSACTION_ID_BASE + sale.index) * 10 + k,
      productId: PRODUCT_ID_BASE + l.itemIndex,
      inventoryId: INVENTORY_ID_BASE + l.itemIndex,
      packageId: catalog.get(l.itemIndex).packageLabel,
      quantity: l.quantity,
      unitPrice: dollars(l.unitPriceCents),
      totalPrice: dollars(sign * l.totalCents),
      batchName: `B-${l.itemIndex}`,
      isReturned: l.returnedQuantity > 0,
      returnedByTransactionId: l.returnedQuantity > 0 && lastReturn !== undefined ? TRANSACTION_ID_BASE + lastReturn : null,
      returnDate: l.returnedQuantity > 0 ? dutchieTime(sale.modifiedMs) : null,
    }));
  }
  return tx;
}

const numericIndex = (id: string, base: number, size: number): number | undefined => {
  if (!/^\d+$/.test(id)) return undefined;
  const j = Number(id) - base;
  return j >= 0 && j < size ? j : undefined;
};

/** ASP.NET binds query keys case-insensitively; so does this sandbox. */
function queryValue(req: Request, name: string): string | undefined {
  const key = Object.keys(req.query).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : req.query[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function flag(req: Request, name: string): boolean {
  return queryValue(req, name)?.toLowerCase() === 'true';
}

function parseUtc(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? v : `${v}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

function invalid(res: Response, errors: DutchieValidationResult['errors']): void {
  const body: DutchieValidationResult = { isValid: false, errors };
  res.status(400).json(body);
}

/**
 * A local Dutchie POS: Basic auth with a location key, unpaged plain-array bodies, and the
 * reporting endpoints' one-filter-group rule. `/inventory` is streamed element by element.
 */
export function createDutchieSandbox(opts: DutchieSandboxOptions = {}): Sandbox {
  const creds = opts.credentials ?? DEMO_DUTCHIE_CREDENTIALS;
  const catalog = new SyntheticCatalog({ items: opts.items ?? 2000, seed: opts.seed ?? 42, packagesPerSku: opts.packagesPerSku ?? 1 });
  const state: SandboxState = {
    catalog,
    sales: new SyntheticSales(catalog, opts.sales ?? 500, Date.now()),
    faults: { ...NO_FAULTS, ...opts.faults },
  };
  const whoami: DutchieWhoAmI = {
    locationId: 1001,
    locationName: 'Trellis Demo Dispensary',
    lspId: 77,
    licenseNumber: 'C10-0000001-LIC',
    state: 'CA',
    ...opts.location,
  };
  const expected = `Basic ${Buffer.from(`${creds.locationKey}:${creds.integratorKey ?? ''}`).toString('base64')}`;

  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/__sandbox',
    adminRouter(state, {
      item: (i) => String(INVENTORY_ID_BASE + i),
      sale: (j) => String(TRANSACTION_ID_BASE + j),
      itemIndex: (id) => numericIndex(id, INVENTORY_ID_BASE, catalog.size),
      saleIndex: (id) => numericIndex(id, TRANSACTION_ID_BASE, state.sales.size),
    }),
  );

  const api = express.Router();
  api.use(
    faultMiddleware({
      faults: () => state.faults,
      seed: () => catalog.seedValue,
      authorized: (req) => req.headers.authorization === expected,
      unauthorized: (res) => void res.status(401).json({ message: 'Authorization has been denied for this request.' }),
      failed: (res, status) =>
        void res.status(status).json({ message: status === 429 ? 'Too many requests' : 'An error has occurred.' }),
    }),
  );

  api.get('/whoami', (_req, res) => {
    res.json(whoami);
  });

  api.get('/inventory', async (req, res) => {
    const rooms = flag(req, 'includeRoomQuantities');
    const rate = state.faults.malformedRate;
    await streamJsonArray(
      res,
      (function* () {
        for (let i = 0; i < catalog.size; i++) {
          const item = catalog.get(i);
          if (item.removed || item.quantity === 0) continue;
          yield inventoryRecord(item, rooms, catalog.malformed(i, rate));
        }
      })(),
    );
  });

  api.get('/reporting/products', async (_req, res) => {
    await streamJsonArray(
      res,
      (function* () {
        for (let i = 0; i < catalog.size; i++) {
          const item = catalog.get(i);
          if (i > 0 && catalog.get(i - 1).productIndex === item.productIndex) continue; // one record per product, not per package
          yield {
            productId: PRODUCT_ID_BASE + item.productIndex,
            sku: item.sku,
            productName: item.name,
            category: item.category,
            brandName: item.brand,
            price: dollars(item.priceCents),
            unitType: item.unit === 'g' ? 'Grams' : 'Quantity',
            isActive: !item.removed,
            lastModifiedDateUtc: dutchieTime(item.modifiedMs),
          };
        }
      })(),
    );
  });

  api.get('/reporting/transactions', async (req, res) => {
    const groups = [
      ['TransactionId'],
      ['FromDateUTC', 'ToDateUTC'],
      ['FromLastModifiedDateUTC', 'ToLastModifiedDateUTC'],
    ].filter((g) => g.some((k) => queryValue(req, k) !== undefined));
    if (groups.length !== 1) {
      return invalid(res, [
        {
          propertyName: 'Filter',
          errorMessage:
            'Specify exactly one of TransactionId, FromDateUTC/ToDateUTC or FromLastModifiedDateUTC/ToLastModifiedDateUTC.',
        },
      ]);
    }
    const detail = flag(req, 'IncludeDetail');
    const [first, second] = groups[0] as string[];
    let indexes: Iterable<number>;
    if (first === 'TransactionId') {
      const j = Number(queryValue(req, 'TransactionId')) - TRANSACTION_ID_BASE;
      indexes = Number.isInteger(j) && j >= 0 && j < state.sales.size ? [j] : [];
    } else {
      const from = parseUtc(queryValue(req, first as string)) ?? 0;
      const to = parseUtc(queryValue(req, second as string)) ?? Date.now();
      if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) {
        return invalid(res, [{ propertyName: first as string, errorMessage: 'Invalid date range.' }]);
      }
      if (first === 'FromDateUTC') {
        const range = state.sales.between(from, to);
        indexes = (function* () {
          for (let j = range.first; j < range.end; j++) yield j;
        })();
      } else {
        // Last-modified: a sale voided or returned against later shows up again at that time.
        indexes = state.sales.modifiedBetween(from, to);
      }
    }
    await streamJsonArray(
      res,
      (function* () {
        for (const j of indexes) yield transactionRecord(state.sales.get(j), detail, catalog);
      })(),
    );
  });

  app.use(api);
  app.use(
    (_req, res) => void res.status(404).json({ message: 'No HTTP resource was found that matches the request URI.' }),
  );

  return { app, state, start: (port?: number) => listen(app, port) };
}
