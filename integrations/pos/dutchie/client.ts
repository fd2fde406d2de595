import type { Readable } from 'node:stream';
import { PosHttp } from '../http.js';
import type { DutchieCredentials } from './types.js';

export const DUTCHIE_BASE_URL = 'https://api.pos.dutchie.com';

/**
 * Thin Dutchie POS transport: Basic auth (location key as username, integrator key or empty as
 * password), no `/v1` prefix, plain JSON arrays as list bodies. No paging exists on these
 * endpoints, so the list calls hand back the raw stream for incremental parsing.
 */
export class DutchieClient {
  readonly http: PosHttp;

  constructor(opts: { baseUrl?: string; credentials: DutchieCredentials; timeoutMs?: number }) {
    this.http = new PosHttp('dutchie', {
      baseUrl: opts.baseUrl ?? DUTCHIE_BASE_URL,
      auth: { username: opts.credentials.locationKey, password: opts.credentials.integratorKey ?? '' },
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  }

  whoami(): Promise<unknown> {
    return this.http.getJson('/whoami');
  }

  /** API-enabled, non-zero items only: anything absent from it has nothing sellable. */
  inventory(): Promise<Readable> {
    return this.http.getStream('/inventory', { includeLabResults: false, includeRoomQuantities: false });
  }

  /** Every product, active or not; used only to look up brand names the inventory lacks. */
  reportingProducts(): Promise<Readable> {
    return this.http.getStream('/reporting/products');
  }

  /**
   * The API accepts exactly one filter group per call (sending two is a 400), so this always uses
   * the last-modified pair, which also catches later voids and returns.
   */
  transactionsModifiedBetween(from: Date, to: Date): Promise<Readable> {
    return this.http.getStream('/reporting/transactions', {
      FromLastModifiedDateUTC: from.toISOString(),
      ToLastModifiedDateUTC: to.toISOString(),
      IncludeDetail: true,
      IncludeTaxes: false,
      IncludeOrderIds: false,
    });
  }
}
