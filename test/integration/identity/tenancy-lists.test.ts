/**
 * No list answers another tenant's private rows, whatever its filters say. Generated from
 * openapi.yaml: every list operation (a GET answering a page), called by each of tenant A's callers
 * unfiltered, with each `*_id` filter parameter set to tenant B's object, and with all of them at
 * once; lists under a path parameter are called with A's object and with B's. "Private" is what
 * the API itself says: B's objects that the same caller's GET by id answers 404. Every row a list
 * answers must also be readable by that caller through its GET by id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations, type Operation } from '../../../api/http/operations.js';
import { openapiDocument } from '../../../api/http/openapi.js';
import { decide } from '../../../domain/policy.js';
import { adminHeaders, createTestUser, headersFor } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { isListOperation, isReferenceName, parameters } from '../../support/spec.js';
import { callersOf, createTenant, removeConnections, knownPathFor, pathFor, referenceOf, type Tenant, type TenantCaller } from '../../support/tenants.js';

const ROWS_CHECKED_PER_PAGE = 5;

describe('lists never answer another tenant\'s rows', () => {
  const deps = createDeps({ API_KEY_RATE_LIMIT_PER_MINUTE: '1000000', SESSION_RATE_LIMIT_PER_MINUTE: '1000000' });
  let api: RunningApi;
  let a: Tenant;
  let b: Tenant;
  let callers: TenantCaller[];
  /** B's objects without a GET by id, private by definition: its API key and its user. */
  let bExtras: { keyId: string; userId: string };
  const ops = listOperations(openapiDocument);
  const lists = ops.filter(isListOperation);
  const reads = ops.filter((op) => op.method === 'GET' && !isListOperation(op) && op.path.includes('{'));

  beforeAll(async () => {
    api = await startApi(deps);
    const admin = await adminHeaders(deps);
    [a, b] = [await createTenant(api.url, admin), await createTenant(api.url, admin)];
    callers = await callersOf(deps, a);
    const key = await request(api.url, 'POST', '/api-keys', { name: 'B key', scopes: ['orders:read'], entity_id: b.wholesaler.id }, admin);
    expect(key.status).toBe(201);
    bExtras = { keyId: key.body.id, userId: (await createTestUser(deps, { role: 'owner', entityId: b.wholesaler.id })).id };
  });
  afterAll(async () => {
    if (a && b) await removeConnections(api.url, await adminHeaders(deps), [a, b]);
    await api?.close();
    await closeDeps(deps);
  });

  const mayAttempt = (c: TenantCaller, op: Operation) => decide(c.actor, op.permission!) === 'allow';

  /** B's objects this caller may not read, by the API's own GETs. */
  async function privateIdsFor(c: TenantCaller): Promise<string[]> {
    const ids = [bExtras.keyId, bExtras.userId];
    for (const op of reads) {
      const path = knownPathFor(b, op.path);
      if (!path) continue; // no fixture for this kind of object
      const last = path.split('/').pop()!;
      const r = await request(api.url, 'GET', path, undefined, c.headers);
      if (r.status === 404) ids.push(last);
      else if (r.status !== 200 && r.status !== 403) throw new Error(`GET ${path} as ${c.name} → ${r.status}`);
    }
    return [...new Set(ids)];
  }

  /** Other-tenant values for each `*_id` filter of a list. */
  function foreignFilters(op: Operation, c: TenantCaller): Array<[string, string]> {
    return parameters(op, 'query')
      .map((p) => String(p.name))
      .filter(isReferenceName)
      .flatMap((name): Array<[string, string]> => {
        if (name === 'entity_id') return [[name, b.wholesaler.id], [name, b.retailer.id]];
        if (name === 'actor_id') return [[name, bExtras.userId]];
        return [[name, referenceOf(b, c.side, name) ?? b.wholesaler.id]];
      });
  }

  it('answers no private row of another tenant to any filter, and only rows the caller may read', { timeout: 600_000 }, async () => {
    const problems: string[] = [];
    let pagesChecked = 0;
    for (const c of callers) {
      const hidden = await privateIdsFor(c);
      expect(hidden.length, c.name).toBeGreaterThan(3);
      for (const op of lists) {
        const filters = foreignFilters(op, c);
        const together = [...new Map(filters).entries()];
        const queries = ['', ...filters.map(([k, v]) => `${k}=${v}`), together.length > 1 ? together.map(([k, v]) => `${k}=${v}`).join('&') : undefined].filter((q): q is string => q !== undefined);
        const paged = parameters(op, 'query').some((p) => p.name === 'limit');
        const paths = [...new Set([pathFor(a, op.path), pathFor(b, op.path)])];
        for (const path of paths) {
          for (const q of queries) {
            const url = `${path}?${[paged ? 'limit=100' : '', q].filter(Boolean).join('&')}`;
            const r = await request(api.url, 'GET', url, undefined, c.headers);
            const where = `GET ${url} as ${c.name}`;
            if (r.status === 403 && !mayAttempt(c, op)) continue;
            // Naming another tenant's object may also be answered as "no such object".
            if (r.status === 404 && r.body?.error?.code === 'NOT_FOUND' && (q !== '' || path !== pathFor(a, op.path))) continue;
            if (r.status !== 200) {
              problems.push(`${where} → ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`);
              continue;
            }
            pagesChecked++;
            const text = JSON.stringify(r.body);
            for (const id of hidden) if (text.includes(id)) problems.push(`${where} answered another tenant's ${id}`);
            // Every row answered is one the caller may read by itself.
            const item = reads.find((g) => g.path === `${op.path}/{id}`);
            if (!item) continue;
            for (const row of (r.body.data as Array<{ id?: string }>).slice(0, ROWS_CHECKED_PER_PAGE)) {
              if (!row.id) continue;
              const one = await request(api.url, 'GET', `${path}/${row.id}`, undefined, c.headers);
              if (one.status !== 200) problems.push(`${where} listed ${row.id}, which GET answers ${one.status}`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(pagesChecked).toBeGreaterThan(100);
  });

  it('still lists the tenant\'s own private rows (the refusals above are not empty pages for everyone)', async () => {
    const owner = callers.find((c) => c.name === 'wholesaler owner')!;
    const ids = async (path: string) => ((await request(api.url, 'GET', path, undefined, owner.headers)).body.data as Array<{ id: string }>).map((r) => r.id);
    expect(await ids(`/pos-connections?entity_id=${a.wholesaler.id}`)).toEqual([a.connection.id]);
    expect(await ids(`/pos-connections?entity_id=${b.wholesaler.id}`)).toEqual([]);
    expect(await ids('/pos-connections')).toEqual([a.connection.id]);
    expect(await ids(`/inventory?entity_id=${a.wholesaler.id}&limit=100`)).toContain(a.stock.id);
    expect(await ids(`/orders?wholesaler_id=${a.wholesaler.id}&limit=100`)).toContain(a.order.id);
  });

  it('leaves platform staff unscoped: they see and reference every tenant\'s rows', async () => {
    for (const role of ['admin', 'operator', 'compliance'] as const) {
      const h = await headersFor(deps, { role });
      const ids = async (path: string) => ((await request(api.url, 'GET', path, undefined, h)).body.data as Array<{ id: string }>).map((r) => r.id);
      expect(await ids(`/pos-connections?entity_id=${b.wholesaler.id}`), role).toEqual([b.connection.id]);
      expect(await ids(`/inventory?entity_id=${b.wholesaler.id}&limit=100`), role).toContain(b.stock.id);
      expect(await ids(`/orders?retailer_id=${b.retailer.id}&limit=100`), role).toContain(b.order.id);
    }
    const made = await request(api.url, 'POST', '/products', { entity_id: b.wholesaler.id, name: 'Made by staff', category: 'Flower' }, await headersFor(deps, { role: 'operator' }));
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.entity_id).toBe(b.wholesaler.id);
  });
});
