import {
  type ChangeCursor,
  type ChangePage,
  type ChangeResumePoint,
  DEFAULT_SALES_LOOKBACK_MS,
  type IncrementalConnector,
  type PosIdentity,
  type SaleResult,
  type SalesCursor,
  type SalesPage,
} from '../connector.js';
import { BlazeClient, blazeDate } from './client.js';
import { mapProduct, mapTransaction, modifiedMs } from './mapping.js';
import type { BlazeCredentials } from './types.js';

export interface BlazeConnectorOptions {
  baseUrl?: string;
  credentials: BlazeCredentials;
  timeoutMs?: number;
}

const DEFAULT_PAGE = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `total` is authoritative when present: the server may cap `limit` below what we asked for, and
 * a short page would then look like the end.
 */
function isLastPage(got: number, readSoFar: number, total: number | undefined, asked: number): boolean {
  if (got === 0) return true;
  return total !== undefined ? readSoFar >= total : got < asked;
}

function isResumePoint(v: ChangeCursor | ChangeResumePoint): v is ChangeResumePoint {
  return 'skip' in v;
}

export function createBlazeConnector(opts: BlazeConnectorOptions): IncrementalConnector {
  const client = new BlazeClient(opts);

  return {
    vendor: 'blaze',
    inventoryMode: 'incremental',

    /**
     * The partner API documents no "who am I" call, so this proves the keys with the cheapest
     * authenticated read (inventory rooms). It cannot name the store.
     */
    async whoami(): Promise<PosIdentity> {
      await client.inventories();
      return { vendor: 'blaze' };
    },

    /**
     * `/products/modified` over a window fixed at the first page (`until` = now), so items edited
     * while we page fall outside it and are picked up next run. The start is inclusive: the item
     * at the cursor is read again, which is harmless, rather than risk skipping one that shares its
     * millisecond.
     */
    async *changes(from, { pageSize = DEFAULT_PAGE, now = Date.now() } = {}): AsyncGenerator<ChangePage> {
      const at: ChangeResumePoint =
        from && isResumePoint(from)
          ? { ...from }
          : { since: from?.since ?? 0, until: now, skip: 0, maxModified: from?.since ?? 0 };
      for (;;) {
        const env = await client.productsModified({
          startDate: at.since,
          endDate: at.until,
          skip: at.skip,
          limit: pageSize,
        });
        if (env.total !== undefined) {
          if (at.total === undefined) at.total = env.total;
          else if (env.total !== at.total) at.windowShifted = true;
        }
        for (const raw of env.values) {
          const m = modifiedMs(raw);
          if (m !== undefined && m > at.maxModified) at.maxModified = m;
        }
        at.skip += env.values.length;
        const last = isLastPage(env.values.length, at.skip, env.total, pageSize);
        const page: ChangePage = { results: env.values.map(mapProduct), resume: { ...at } };
        if (last) page.next = { since: at.windowShifted ? at.since : at.maxModified };
        yield page;
        if (last) return;
      }
    },

    /**
     * `/transactions` filters by day (MM/dd/yyyy, store-local), so the request spans a day either
     * side of the window and `modified` trims it. If BLAZE filters on the sale's own date, a void
     * or refund made days later falls outside the window and is never seen here; catching those
     * needs the COMPLETE_TRANSACTION webhook or a periodic wider re-read.
     */
    async *sales(cursor?: SalesCursor, { pageSize = DEFAULT_PAGE, now = Date.now() } = {}): AsyncGenerator<SalesPage> {
      const since = cursor?.since ?? now - DEFAULT_SALES_LOOKBACK_MS;
      const startDate = blazeDate(since - DAY_MS);
      const endDate = blazeDate(now + DAY_MS);
      let skip = 0;
      let maxModified = since;
      for (;;) {
        const env = await client.transactions({ startDate, endDate, skip, limit: pageSize });
        const results: SaleResult[] = [];
        for (const raw of env.values) {
          const m = modifiedMs(raw);
          if (m !== undefined && m < since) continue;
          if (m !== undefined && m > maxModified) maxModified = m;
          const mapped = mapTransaction(raw);
          if (mapped) results.push(mapped);
        }
        skip += env.values.length;
        const last = isLastPage(env.values.length, skip, env.total, pageSize);
        if (last) {
          yield { results, next: { since: maxModified } };
          return;
        }
        yield { results };
      }
    },
  };
}
