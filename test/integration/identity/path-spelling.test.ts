/**
 * Every operation of openapi.yaml, spelled every way a client (or an attacker) might: the API
 * answers each spelling exactly as it answers the spec's own, anonymous callers never get a 2xx,
 * and another tenant never sees this tenant's objects. Generated from the spec, so a new
 * operation is covered without touching this file.
 */
import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations, type Operation } from '../../../api/http/operations.js';
import { openapiDocument } from '../../../api/http/openapi.js';
import { API_KEY_SCOPES, PERMISSIONS } from '../../../domain/policy.js';
import { adminHeaders, apiKeyHeaders, headersFor } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

type Headers = Record<string, string>;

/** A raw request: node:http sends the path byte for byte (fetch would resolve dot segments). */
function raw(base: string, method: string, path: string, headers: Headers, body?: string) {
  const url = new URL(base);
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const mangleCase = (s: string) => [...s].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
const encodeFirst = (s: string) => `%${s.charCodeAt(0).toString(16).toUpperCase()}${s.slice(1)}`;

/** The spellings of one canonical path: [name, path]. Literal segments only are respelled. */
function spellings(op: Operation, params: string[]): Array<[string, string]> {
  let n = 0;
  const segs = ['api', 'v1', ...op.path.split('/').filter(Boolean)].map((s) => (/^\{.+\}$/.test(s) ? { param: params[n++]! } : { lit: s }));
  const join = (f: (s: string) => string, sep = '/') => sep + segs.map((s) => ('param' in s ? s.param : f(s.lit))).join(sep);
  const canonical = join((s) => s);
  const tail = canonical.slice('/api/v1'.length);
  return [
    ['upper case', join((s) => s.toUpperCase())],
    ['mixed case', join(mangleCase)],
    ['trailing slash', `${canonical}/`],
    ['doubled slashes', join((s) => s, '//')],
    ['leading double slash', `/${canonical}`],
    ['percent-encoded letter', join(encodeFirst)],
    ['lower-case hex escape', join((s) => s.replace(/[-z]|[a-y]$/, (c) => `%${c.charCodeAt(0).toString(16)}`))],
    ['dot segment', `/api/v1/zz/..${tail}`],
    ['single dot', `/api/./v1${tail}`],
    ['encoded dot segment', `/api/v1/zz/%2e%2e${tail}`],
  ];
}

describe('every spelling of every operation is the same operation', () => {
  const deps = createDeps({ API_KEY_RATE_LIMIT_PER_MINUTE: '1000000', SESSION_RATE_LIMIT_PER_MINUTE: '1000000', ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000' });
  let api: RunningApi;
  let a: Awaited<ReturnType<typeof createWorld>>;
  let b: Awaited<ReturnType<typeof createWorld>>;
  let privateIds: string[];
  let outsiders: Array<[string, Headers]>;
  const ops = listOperations(openapiDocument).filter((op) => PERMISSIONS[op.permission!].roles !== 'public');
  // Operations that would end or change the caller's own sign-in: calling them would turn every
  // later answer into a 401 and compare nothing.
  const selfAltering = new Set(['auth:logout', 'auth:mfa-enroll', 'auth:mfa-verify']);

  beforeAll(async () => {
    api = await startApi(deps);
    const admin = await adminHeaders(deps);
    [a, b] = [await createWorld(api.url, admin), await createWorld(api.url, admin)];
    const order = await request(api.url, 'POST', '/orders', {
      retailer_id: a.retailer.id,
      wholesaler_id: a.wholesaler.id,
      ship_from_location_id: a.warehouse.id,
      ship_to_location_id: a.store.id,
      items: [{ variant_id: a.variant.id, quantity: 2 }],
    }, admin);
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    const aOwner = await headersFor(deps, { role: 'owner', entityId: a.retailer.id });
    const key = await request(api.url, 'POST', '/api-keys', { name: 'a key', scopes: ['orders:read'] }, aOwner);
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    privateIds = [order.body.id, order.body.items[0].id, a.stock.id, key.body.id];
    outsiders = [
      ['other tenant owner', await headersFor(deps, { role: 'owner', entityId: b.retailer.id })],
      ['other tenant key', await apiKeyHeaders(deps, { entityId: b.retailer.id, scopes: [...API_KEY_SCOPES] })],
    ];
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  /** Path parameters: this tenant's private ids where they fit the operation, else fresh ids. */
  function paramsFor(op: Operation): string[] {
    const n = (op.path.match(/\{[^}]+\}/g) ?? []).length;
    const first = op.path.startsWith('/orders/') ? privateIds[0]! : op.path.startsWith('/inventory/') ? privateIds[2]! : op.path.startsWith('/api-keys/') ? privateIds[3]! : randomUUID();
    const rest = op.path.startsWith('/orders/') && n > 1 ? [privateIds[1]!] : [];
    return [first, ...rest, ...Array.from({ length: n }, () => randomUUID())].slice(0, n);
  }

  it('refuses anonymous callers in every spelling, with the same answer as the canonical path', async () => {
    const problems: string[] = [];
    for (const op of ops) {
      const params = paramsFor(op);
      const body = ['POST', 'PATCH', 'PUT'].includes(op.method) ? '{}' : undefined;
      const canonical = await raw(api.url, op.method, `/api/v1${fill(op.path, params)}`, {}, body);
      if (canonical.status !== 401) problems.push(`${op.operationId} canonical → ${canonical.status}`);
      for (const [name, path] of spellings(op, params)) {
        const r = await raw(api.url, op.method, path, {}, body);
        if (r.status !== canonical.status) problems.push(`${op.method} ${path} (${name}) → ${r.status}, canonical ${canonical.status}`);
        if (r.status < 300) problems.push(`${op.method} ${path} (${name}) answered ${r.status} without credentials`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("answers another tenant's callers the same in every spelling and never with this tenant's objects", async () => {
    const problems: string[] = [];
    for (const [who, headers] of outsiders) {
      for (const op of ops) {
        if (selfAltering.has(op.permission!)) continue;
        const params = paramsFor(op);
        const body = ['POST', 'PATCH', 'PUT'].includes(op.method) ? '{}' : undefined;
        const canonical = await raw(api.url, op.method, `/api/v1${fill(op.path, params)}`, headers, body);
        const leaks = (text: string) => privateIds.filter((id) => text.includes(id) && !params.includes(id));
        const check = (label: string, r: { status: number; text: string }) => {
          if (r.status < 300 && op.method === 'GET' && leaks(r.text).length) problems.push(`${who} ${label} shows ${leaks(r.text).join(', ')}`);
          if (r.status < 300 && params.some((p) => privateIds.includes(p))) problems.push(`${who} ${label} answered ${r.status} for another tenant's object`);
        };
        check(`${op.method} ${op.path}`, canonical);
        for (const [name, path] of spellings(op, params)) {
          const r = await raw(api.url, op.method, path, headers, body);
          if (r.status !== canonical.status) problems.push(`${who} ${op.method} ${path} (${name}) → ${r.status}, canonical ${canonical.status}`);
          check(`${op.method} ${path} (${name})`, r);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('answers a path that names no operation with a 404 envelope, in any spelling, even signed in', async () => {
    const headers = outsiders[0]![1];
    for (const path of ['/api/v1/nope', '/API/V1/NOPE/', '/api/v2/orders', '/api//v1//nope', '/api/v1/orders/x/y/z', '/api/%ZZ/orders']) {
      const r = await raw(api.url, 'GET', path, headers);
      expect(r.status, path).toBe(404);
      expect(JSON.parse(r.text).error.code, path).toBe('NOT_FOUND');
    }
  });

  it('answers a known path with a method it lacks as 405 with Allow', async () => {
    const r = await new Promise<{ status: number; allow?: string }>((resolve, reject) => {
      const url = new URL(api.url);
      httpRequest({ host: url.hostname, port: url.port, method: 'PUT', path: '/API/v1/audit-log/' }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, allow: res.headers.allow });
      })
        .on('error', reject)
        .end();
    });
    expect(r.status).toBe(405);
    expect(r.allow).toBe('GET, HEAD');
  });

  it('still serves the published spec in its own spelling', async () => {
    expect((await raw(api.url, 'GET', '/api/v1/openapi.json', {})).status).toBe(200);
    expect((await raw(api.url, 'GET', '/api/v1/OpenAPI.yaml', {})).status).toBe(200);
  });
});

function fill(path: string, params: string[]): string {
  let n = 0;
  return path.replace(/\{[^}]+\}/g, () => params[n++]!);
}
