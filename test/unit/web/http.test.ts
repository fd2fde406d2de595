import { describe, expect, it } from 'vitest';
import { ApiError, createApi, readCookie } from '../../../web/src/lib/api/http.js';
import { authService } from '../../../web/src/lib/services/auth.js';
import { ordersService } from '../../../web/src/lib/services/orders.js';
import { workflowsService } from '../../../web/src/lib/services/workflows.js';

function recorder(respond: (req: Request) => Response | Promise<Response>) {
  const seen: Request[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push(req);
    return respond(req);
  };
  return { seen, fetch: fetch as typeof globalThis.fetch };
}
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('console API client', () => {
  it('sends the CSRF cookie as X-CSRF-Token on writes only', async () => {
    const r = recorder(() => json(200, { data: [], pagination: { page: 1, limit: 50, total: 0, total_pages: 0 } }));
    const api = createApi({ baseUrl: 'http://hub/api/v1', fetch: r.fetch, cookies: () => 'other=1; trellis_csrf=abc%3D123' });
    await ordersService(api).list({ status: 'submitted' });
    await ordersService(api).transition('x', 'accept');
    expect(r.seen[0]!.method).toBe('GET');
    expect(r.seen[0]!.headers.get('x-csrf-token')).toBeNull();
    expect(new URL(r.seen[0]!.url).searchParams.get('status')).toBe('submitted');
    expect(r.seen[1]!.headers.get('x-csrf-token')).toBe('abc=123');
    expect(await r.seen[1]!.json()).toEqual({ action: 'accept' });
  });

  it('turns the error envelope into an ApiError and tells a missing route from a missing object', async () => {
    const r = recorder((req) =>
      req.url.includes('/auth/me')
        ? json(404, { error: { code: 'NOT_FOUND', message: 'No route for GET /api/v1/auth/me', details: {} } })
        : json(404, { error: { code: 'NOT_FOUND', message: 'Order not found', details: { id: 'x' } } }),
    );
    const api = createApi({ baseUrl: 'http://hub/api/v1', fetch: r.fetch });
    const missingRoute = await authService(api).me().catch((e: unknown) => e);
    const missingOrder = await ordersService(api).get('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    expect(missingRoute).toBeInstanceOf(ApiError);
    expect((missingRoute as ApiError).unavailable).toBe(true);
    expect(missingOrder).toBeInstanceOf(ApiError);
    expect((missingOrder as ApiError).unavailable).toBe(false);
    expect((missingOrder as ApiError).details).toEqual({ id: 'x' });
    expect(new ApiError(404, 'NOT_FOUND', 'not found', { path: '/api/v1/users' }).unavailable).toBe(true);
  });

  it('reports 401 answers so the session can end', async () => {
    let called = 0;
    const r = recorder(() => json(401, { error: { code: 'UNAUTHORIZED', message: 'Sign in', details: {} } }));
    const api = createApi({ baseUrl: 'http://hub/api/v1', fetch: r.fetch, onUnauthorized: () => called++ });
    await expect(ordersService(api).list()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(called).toBe(1);
  });

  it('encodes workflow ids and repeats attribute filters', async () => {
    const r = recorder((req) =>
      req.url.includes('/workflows?') ? json(200, { data: [], pagination: { page: 1, limit: 25, total: 0, total_pages: 0 } }) : json(202, { workflow_id: 'order:1', action: 'terminate', accepted: true }),
    );
    const wf = workflowsService(createApi({ baseUrl: 'http://hub/api/v1', fetch: r.fetch }));
    await wf.list({ status: 'retrying', attribute: ['OrderStatus=accepted', 'RetailerId=r1'], type: '' });
    await wf.terminate('order:1/x', 'stuck for a day');
    const listUrl = new URL(r.seen[0]!.url);
    expect(listUrl.searchParams.getAll('attribute')).toEqual(['OrderStatus=accepted', 'RetailerId=r1']);
    expect(listUrl.searchParams.has('type')).toBe(false);
    expect(r.seen[1]!.url).toBe('http://hub/api/v1/workflows/order%3A1%2Fx/terminate');
    expect(await r.seen[1]!.json()).toEqual({ reason: 'stuck for a day' });
  });

  it('offers only the client typed from the spec, and reads the CSRF cookie', () => {
    // No untyped escape hatch: an endpoint the console needs goes into openapi.yaml first.
    expect(Object.keys(createApi())).toEqual(['client', 'unwrap', 'baseUrl']);
    expect(readCookie('a=1; trellis_csrf=t%20k', 'trellis_csrf')).toBe('t k');
    expect(readCookie('a=1', 'trellis_csrf')).toBeUndefined();
  });
});
