import type { Readable } from 'node:stream';
import {
  DEFAULT_SALES_LOOKBACK_MS,
  type ItemResult,
  type PosIdentity,
  type SaleResult,
  type SalesCursor,
  type SalesPage,
  type SnapshotConnector,
} from '../connector.js';
import { PosProtocolError } from '../errors.js';
import { withIdleTimeout } from '../http.js';
import { JsonArrayStreamError, parseJsonArrayStream } from '../json-array-stream.js';
import { DutchieClient } from './client.js';
import { mapInventoryItem, mapTransaction, mapWhoAmI, productBrand, transactionModifiedMs } from './mapping.js';
import type { DutchieCredentials } from './types.js';

export interface DutchieConnectorOptions {
  baseUrl?: string;
  credentials: DutchieCredentials;
  timeoutMs?: number;
  /**
   * Inventory rows have no brand; 'lookup' reads `/reporting/products` once per snapshot to fill
   * it in (one productId → brand map in memory, brand strings shared). 'none' leaves brand null.
   */
  brands?: 'lookup' | 'none';
}

/** Late-committed rows can carry a modified time just before our last read; re-read that margin. */
export const DUTCHIE_DELTA_OVERLAP_MS = 60_000;
const DEFAULT_CHUNK = 500;

export function createDutchieConnector(opts: DutchieConnectorOptions): SnapshotConnector {
  const client = new DutchieClient(opts);
  const http = client.http;

  async function* elements(body: Promise<Readable>, what: string): AsyncGenerator<unknown> {
    const stream = await body;
    const chunks = withIdleTimeout(stream, http.timeoutMs, (cause) => http.transportError(what, cause));
    try {
      yield* parseJsonArrayStream(chunks);
    } catch (e) {
      if (e instanceof JsonArrayStreamError)
        throw new PosProtocolError(`${what}: ${e.message}`, 'dutchie', 200, { cause: e });
      throw e;
    }
  }

  async function loadBrands(): Promise<Map<string, string>> {
    const brands = new Map<string, string>();
    const interned = new Map<string, string>();
    for await (const raw of elements(client.reportingProducts(), '/reporting/products')) {
      const pair = productBrand(raw);
      if (!pair) continue;
      const [productId, brand] = pair;
      let shared = interned.get(brand);
      if (shared === undefined) interned.set(brand, (shared = brand));
      brands.set(productId, shared);
    }
    return brands;
  }

  return {
    vendor: 'dutchie',
    inventoryMode: 'snapshot',

    async whoami(): Promise<PosIdentity> {
      const raw = await client.whoami();
      const identity = mapWhoAmI(raw);
      if (!identity) throw new PosProtocolError('/whoami: no locationId in response', 'dutchie', 200);
      return identity;
    },

    async *snapshot({ chunkSize = DEFAULT_CHUNK } = {}): AsyncGenerator<ItemResult[]> {
      const brands = opts.brands === 'none' ? undefined : await loadBrands();
      let chunk: ItemResult[] = [];
      for await (const raw of elements(client.inventory(), '/inventory')) {
        chunk.push(mapInventoryItem(raw, brands));
        if (chunk.length >= chunkSize) {
          yield chunk;
          chunk = [];
        }
      }
      if (chunk.length > 0) yield chunk;
    },

    async *sales(cursor?: SalesCursor, { pageSize = DEFAULT_CHUNK, now = Date.now() } = {}): AsyncGenerator<SalesPage> {
      const since = cursor?.since ?? now - DEFAULT_SALES_LOOKBACK_MS;
      const from = new Date(since - DUTCHIE_DELTA_OVERLAP_MS);
      let maxModified = since;
      let page: SaleResult[] = [];
      for await (const raw of elements(
        client.transactionsModifiedBetween(from, new Date(now)),
        '/reporting/transactions',
      )) {
        const modified = transactionModifiedMs(raw);
        if (modified !== undefined && modified > maxModified) maxModified = modified;
        page.push(mapTransaction(raw));
        if (page.length >= pageSize) {
          yield { results: page };
          page = [];
        }
      }
      yield { results: page, next: { since: maxModified } };
    },
  };
}
