import { PosProtocolError } from '../errors.js';
import { PosHttp } from '../http.js';
import { isRecord } from '../normalize.js';
import type { BlazeCredentials } from './types.js';

export const BLAZE_BASE_URL = 'https://api.partners.blaze.me/api/v1/partner';

export interface BlazeEnvelope {
  values: unknown[];
  total?: number;
}

/** `MM/dd/yyyy` in UTC, the date form BLAZE's transaction filter is called with. */
export function blazeDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()}`;
}

/** Thin BLAZE partner transport: `partner_key` + `Authorization` headers, `{values, skip, limit, total}` lists. */
export class BlazeClient {
  readonly http: PosHttp;

  constructor(opts: { baseUrl?: string; credentials: BlazeCredentials; timeoutMs?: number }) {
    this.http = new PosHttp('blaze', {
      baseUrl: opts.baseUrl ?? BLAZE_BASE_URL,
      headers: { partner_key: opts.credentials.partnerKey, Authorization: opts.credentials.storeKey },
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  }

  /** Cheapest authenticated call the partner API documents: the store's inventory rooms. */
  inventories(): Promise<BlazeEnvelope> {
    return this.list('/store/inventory/inventories');
  }

  productsModified(q: { startDate: number; endDate: number; skip: number; limit: number }): Promise<BlazeEnvelope> {
    return this.list('/products/modified', q);
  }

  transactions(q: { startDate: string; endDate: string; skip: number; limit: number }): Promise<BlazeEnvelope> {
    return this.list('/transactions', q);
  }

  private async list(path: string, params?: Record<string, string | number>): Promise<BlazeEnvelope> {
    const body = await this.http.getJson(path, params);
    if (!isRecord(body) || !Array.isArray(body.values)) {
      throw new PosProtocolError(`${path}: expected {values: [...]} envelope`, 'blaze', 200);
    }
    const total = typeof body.total === 'number' && Number.isFinite(body.total) ? body.total : undefined;
    return { values: body.values, ...(total !== undefined ? { total } : {}) };
  }
}
