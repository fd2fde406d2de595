import express, { type Router } from 'express';
import type { SyntheticCatalog } from './catalog.js';
import { type Faults, mergeFaults } from './faults.js';
import { type LineRequest, SalesRequestError, type SyntheticSales } from './sales.js';

export interface SandboxState {
  catalog: SyntheticCatalog;
  sales: SyntheticSales;
  faults: Faults;
}

const MAX_ITEMS = 5_000_000;

function count(v: unknown, name: string, max = MAX_ITEMS): number | string {
  if (v === undefined) return 0;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max
    ? v
    : `${name} must be an integer in [0, ${max}]`;
}

/** Vendor ids ↔ synthetic indexes; the parsers answer undefined for an id this sandbox never made. */
export interface SandboxIds {
  item: (index: number) => string;
  sale: (index: number) => string;
  itemIndex: (id: string) => number | undefined;
  saleIndex: (id: string) => number | undefined;
}

/**
 * `/__sandbox/*`: test-only controls, deliberately outside any vendor path. Mutations answer with
 * the vendor ids they touched so tests can check exactly those.
 *
 * Sales a test drives (items and sales named by their vendor ids):
 * - `POST /sales {lines: [{item, quantity}]}` rings up a sale now → `{sale}`
 * - `POST /sales/:id/void` voids a sale or a return now → `{sale}`
 * - `POST /sales/:id/return {lines?: [{item, quantity}]}` returns goods of a sale (default:
 *   everything not yet returned) as a new return transaction → `{sale: <the return's id>}`
 */
export function adminRouter(state: SandboxState, ids: SandboxIds): Router {
  const r = express.Router();
  r.use(express.json());

  r.get('/state', (_req, res) => {
    res.json({
      items: state.catalog.baseSize,
      size: state.catalog.size,
      seed: state.catalog.seedValue,
      sales: state.sales.size,
      faults: state.faults,
    });
  });

  r.put('/config', (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const items = b.items === undefined ? state.catalog.baseSize : count(b.items, 'items');
    const sales = b.sales === undefined ? state.sales.size : count(b.sales, 'sales');
    const seed = b.seed === undefined ? state.catalog.seedValue : b.seed;
    if (typeof items === 'string' || typeof sales === 'string')
      return void res.status(400).json({ error: items || sales });
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) {
      return void res.status(400).json({ error: 'seed must be a non-negative integer' });
    }
    state.catalog.reset({ items, seed });
    state.sales.reset(sales, Date.now());
    res.json({ items, seed, sales });
  });

  r.put('/faults', (req, res) => {
    const next = mergeFaults(state.faults, req.body);
    if (typeof next === 'string') return void res.status(400).json({ error: next });
    state.faults = next;
    res.json(next);
  });

  r.post('/mutate', (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const n = {
      changed: count(b.changed, 'changed'),
      removed: count(b.removed, 'removed'),
      added: count(b.added, 'added'),
    };
    const sales = count(b.sales, 'sales', 100_000);
    for (const v of [...Object.values(n), sales])
      if (typeof v === 'string') return void res.status(400).json({ error: v });
    const at = state.catalog.stamp();
    const result = state.catalog.mutate(n as { changed: number; removed: number; added: number }, at);
    const newSales = state.sales.append(sales as number, at);
    res.json({
      changed: result.changed.map(ids.item),
      removed: result.removed.map(ids.item),
      added: result.added.map(ids.item),
      sales: newSales.map(ids.sale),
    });
  });

  const lineRequests = (v: unknown): LineRequest[] | string => {
    if (!Array.isArray(v)) return 'lines must be an array of {item, quantity}';
    const out: LineRequest[] = [];
    for (const l of v as unknown[]) {
      const { item, quantity } = (l ?? {}) as Record<string, unknown>;
      const itemIndex = typeof item === 'string' || typeof item === 'number' ? ids.itemIndex(String(item)) : undefined;
      if (itemIndex === undefined) return `unknown item ${JSON.stringify(item)}`;
      if (typeof quantity !== 'number' || !(quantity > 0)) return 'quantity must be a positive number';
      out.push({ itemIndex, quantity });
    }
    return out;
  };
  const saleOf = (id: string): number => {
    const j = ids.saleIndex(id);
    if (j === undefined) throw new SalesRequestError(`unknown sale ${id}`, 404);
    return j;
  };
  const salesAction = (fn: (req: express.Request) => number) => (req: express.Request, res: express.Response) => {
    try {
      res.status(201).json({ sale: ids.sale(fn(req)) });
    } catch (e) {
      if (!(e instanceof SalesRequestError)) throw e;
      res.status(e.status).json({ error: e.message });
    }
  };

  r.post(
    '/sales',
    salesAction((req) => {
      const lines = lineRequests((req.body as Record<string, unknown> | undefined)?.lines);
      if (typeof lines === 'string') throw new SalesRequestError(lines);
      return state.sales.record(lines, state.catalog.stamp());
    }),
  );

  r.post(
    '/sales/:id/void',
    salesAction((req) => {
      const j = saleOf(String(req.params.id));
      state.sales.voidSale(j, state.catalog.stamp());
      return j;
    }),
  );

  r.post(
    '/sales/:id/return',
    salesAction((req) => {
      const j = saleOf(String(req.params.id));
      const body = (req.body ?? {}) as Record<string, unknown>;
      const lines = body.lines === undefined ? undefined : lineRequests(body.lines);
      if (typeof lines === 'string') throw new SalesRequestError(lines);
      return state.sales.returnSale(j, lines, state.catalog.stamp());
    }),
  );

  return r;
}
