import { describe, expect, it } from 'vitest';
import { ApiError, createApi } from '../../../web/src/lib/api/http.js';
import { tokenFromHash, usersService } from '../../../web/src/lib/services/users.js';

function recorder(respond: (req: Request) => Response) {
  const seen: Request[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push(req);
    return respond(req);
  };
  return { seen, fetch: fetch as typeof globalThis.fetch };
}
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const ID = '00000000-0000-4000-8000-000000000001';

describe('console users service', () => {
  it('lists with the filters in the query and writes with the CSRF header', async () => {
    const r = recorder((req) =>
      req.method === 'GET' ? json(200, { data: [], pagination: { page: 2, limit: 50, total: 0, total_pages: 0 } }) : json(200, { id: ID }),
    );
    const users = usersService(createApi({ baseUrl: 'http://hub/api/v1', fetch: r.fetch, cookies: () => 'trellis_csrf=t0k' }));
    await users.list({ page: 2, q: 'ann', status: 'invited' });
    await users.update(ID, { role: 'owner' });
    await users.deactivate(ID);
    await users.resetMfa(ID);
    const url = new URL(r.seen[0]!.url);
    expect(url.pathname).toBe('/api/v1/users');
    expect(Object.fromEntries(url.searchParams)).toEqual({ limit: '50', page: '2', q: 'ann', status: 'invited' });
    expect(r.seen[0]!.headers.get('x-csrf-token')).toBeNull();
    expect([r.seen[1]!.method, new URL(r.seen[1]!.url).pathname]).toEqual(['PATCH', `/api/v1/users/${ID}`]);
    expect(await r.seen[1]!.json()).toEqual({ role: 'owner' });
    expect(new URL(r.seen[2]!.url).pathname).toBe(`/api/v1/users/${ID}/deactivate`);
    expect(new URL(r.seen[3]!.url).pathname).toBe(`/api/v1/users/${ID}/mfa-reset`);
    for (const w of r.seen.slice(1)) expect(w.headers.get('x-csrf-token')).toBe('t0k');
  });

  it('answers the invitation link once, and turns a refused password into an ApiError naming the rule', async () => {
    const invitation = { token: 'tri_x', url: 'https://hub/set-password#token=tri_x', expires_at: '2026-12-08T00:00:00.000Z' };
    const r = recorder((req) =>
      req.url.endsWith('/users')
        ? json(201, { user: { id: ID, email: 'a@b.c' }, invitation })
        : json(422, { error: { code: 'UNPROCESSABLE_ENTITY', message: 'Password must be at least 12 characters long', details: { field: 'password', rule: 'min_length' } } }),
    );
    const users = usersService(createApi({ baseUrl: 'http://hub/api/v1', fetch: r.fetch }));
    const created = await users.invite({ email: 'a@b.c', name: 'A', role: 'member' });
    expect(created.invitation).toEqual(invitation);
    const err = await users.setPassword('tri_x', 'short').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(422);
    expect((err as ApiError).details.rule).toBe('min_length');
    expect(await r.seen[1]!.json()).toEqual({ token: 'tri_x', password: 'short' });
  });

  it('resolves set-password on 204', async () => {
    const r = recorder(() => new Response(null, { status: 204 }));
    await expect(usersService(createApi({ baseUrl: 'http://hub/api/v1', fetch: r.fetch })).setPassword('tri_x', 'long-enough-password')).resolves.toBeUndefined();
  });

  it('reads the token from the link fragment only', () => {
    expect(tokenFromHash('#token=tri_abc-_9')).toBe('tri_abc-_9');
    expect(tokenFromHash('#x=1&token=tri_q')).toBe('tri_q');
    expect(tokenFromHash('')).toBeUndefined();
    expect(tokenFromHash('#mytoken=tri_q')).toBeUndefined();
  });
});
