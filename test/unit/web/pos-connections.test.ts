import { describe, expect, it } from 'vitest';
import { createApi } from '../../../web/src/lib/api/http.js';
import { CREDENTIAL_FIELDS, credentialsFrom, posConnectionsService } from '../../../web/src/lib/services/posConnections.js';

describe('console POS connections service', () => {
  it("sends only the chosen vendor's filled-in credential fields", () => {
    expect(credentialsFrom('dutchie', { location_key: ' lk ', integrator_key: '', partner_key: 'stray' })).toEqual({ location_key: 'lk' });
    expect(credentialsFrom('blaze', { partner_key: 'p', store_key: 's', location_key: 'stray' })).toEqual({ partner_key: 'p', store_key: 's' });
    expect(credentialsFrom('blaze', {})).toBeUndefined();
    expect(CREDENTIAL_FIELDS.dutchie.filter((f) => f.required).map((f) => f.key)).toEqual(['location_key']);
  });

  it('calls the connection operations by id, with the CSRF header on writes', async () => {
    const seen: Request[] = [];
    const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const req = new Request(input, init);
      seen.push(req);
      return req.method === 'DELETE' ? new Response(null, { status: 204 }) : new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof globalThis.fetch;
    const svc = posConnectionsService(createApi({ baseUrl: 'http://hub/api/v1', fetch, cookies: () => 'trellis_csrf=c' }));
    const id = '00000000-0000-4000-8000-00000000000a';
    await svc.update(id, { interval_seconds: 1800 });
    await svc.pause(id);
    await svc.runNow(id);
    await svc.remove(id);
    expect(seen.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      `PATCH /api/v1/pos-connections/${id}`,
      `POST /api/v1/pos-connections/${id}/pause`,
      `POST /api/v1/pos-connections/${id}/run-now`,
      `DELETE /api/v1/pos-connections/${id}`,
    ]);
    expect(seen.every((r) => r.headers.get('x-csrf-token') === 'c')).toBe(true);
    expect(await seen[0]!.json()).toEqual({ interval_seconds: 1800 });
  });
});
