import { describe, expect, it } from 'vitest';
import { createApi } from '../../../web/src/lib/api/http.js';
import { ordersService } from '../../../web/src/lib/services/orders.js';
import { ACTIONS } from '../../../web/src/lib/stores/session.js';
import { PERMISSIONS } from '../../../domain/policy.js';

describe("console: the order page's 'Check METRC now' (issue 14.9)", () => {
  it('posts to /orders/{id}/metrc/check with the CSRF token and answers the order', async () => {
    const seen: Request[] = [];
    const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      seen.push(new Request(input, init));
      return new Response(JSON.stringify({ id: 'o-1', status: 'fulfilled', metrc: { state: 'awaiting_manifest' } }), { status: 202, headers: { 'content-type': 'application/json' } });
    }) as typeof globalThis.fetch;
    const api = createApi({ baseUrl: 'http://hub/api/v1', fetch, cookies: () => 'trellis_csrf=t0k' });
    const order = await ordersService(api).checkMetrc('o-1');
    expect(order).toMatchObject({ id: 'o-1', metrc: { state: 'awaiting_manifest' } });
    expect(seen[0]!.method).toBe('POST');
    expect(new URL(seen[0]!.url).pathname).toBe('/api/v1/orders/o-1/metrc/check');
    expect(seen[0]!.headers.get('x-csrf-token')).toBe('t0k');
  });

  it('is offered under the permission the API enforces', () => {
    expect(ACTIONS['orders.metrc-check'].permission).toBe('orders:metrc-check');
    expect(PERMISSIONS['orders:metrc-check'].roles).toEqual(['admin', 'compliance', 'owner', 'member']);
  });
});
