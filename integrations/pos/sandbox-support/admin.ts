import express, { type Router } from 'express';
import type { SyntheticCatalog } from './catalog.js';
import { type Faults, mergeFaults } from './faults.js';
import type { SyntheticSales } from './sales.js';

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

/**
 * `/__sandbox/*`: test-only controls, deliberately outside any vendor path. Mutations answer with
 * the vendor ids they touched so tests can check exactly those.
 */
export function adminRouter(
  state: SandboxState,
  ids: { item: (index: number) => string; sale: (index: number) => string },
): Router {
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

  return r;
}
