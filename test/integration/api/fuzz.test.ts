/**
 * Bad input never reaches the database as a 500: for every operation of the contract, a request
 * built from its own schemas, then each parameter and each body field replaced in turn by values a
 * careless or hostile client sends (non-ASCII, impossible dates, reserved characters, boundary and
 * absurd numbers, wrong types). Every answer must be below 500; response validation is on in
 * tests, so an answer that breaks the spec is a 500 too. Generated from openapi.yaml.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations, type Operation } from '../../../api/http/operations.js';
import { openapiDocument } from '../../../api/http/openapi.js';
import { adminHeaders } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { jsonBodySchema, parameters, replaced, resolve, typeOf, type Json } from '../../support/spec.js';

/** Values that break something somewhere: each replaces one field at a time. */
const HOSTILE: unknown[] = [
  'Ünïcødé ☃ 🌿 日本語',
  'x'.repeat(5000),
  "' OR 1=1 -- ",
  'a,b:c*/d+e',
  '2026-02-30',
  '0000-00-00',
  '2026-01-01T25:61:00Z',
  '',
  ' ',
  -1,
  0,
  1.5,
  2 ** 53,
  -(2 ** 31),
  1e308,
  true,
  null,
  {},
  [],
  ['x'],
  'A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D',
];

const QUERY_HOSTILE = ['Ünïcødé ☃', 'x'.repeat(3000), "'", ',', ':', '*', '/', '+', '%', '2026-02-30', '0000-00-00T00:00:00Z', '-1', '0', '99999999999999999999', '1.5', '', 'true', 'a=b', '-created_at', 'id'];

describe('no input produces a 5xx on any operation', () => {
  const deps = createDeps({ API_KEY_RATE_LIMIT_PER_MINUTE: '1000000', SESSION_RATE_LIMIT_PER_MINUTE: '1000000', ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000' });
  let api: RunningApi;
  let admin: Record<string, string>;
  let ids: Record<string, string>;
  // Operations that change the caller's own sign-in would end the run's session.
  const skip = (op: Operation) => op.path.startsWith('/auth/');
  const ops = listOperations(openapiDocument).filter((op) => !skip(op));

  beforeAll(async () => {
    api = await startApi(deps);
    admin = await adminHeaders(deps);
    const w = await createWorld(api.url, admin);
    ids = {
      entity_id: w.wholesaler.id,
      wholesaler_id: w.wholesaler.id,
      retailer_id: w.retailer.id,
      location_id: w.warehouse.id,
      ship_from_location_id: w.warehouse.id,
      ship_to_location_id: w.store.id,
      product_id: w.product.id,
      variant_id: w.variant.id,
    };
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  /** A plausible value for a schema: fixture ids by field name, patterns honoured. */
  function sample(schemaRef: unknown, name = '', depth = 0): unknown {
    const s = resolve(schemaRef);
    if (s.example !== undefined) return s.example;
    if (Array.isArray(s.enum)) return s.enum.find((v) => v !== null);
    switch (typeOf(s)) {
      case 'object': {
        if (depth > 4) return {};
        const props = (s.properties ?? {}) as Record<string, unknown>;
        const out: Json = {};
        for (const [k, v] of Object.entries(props)) if (!resolve(v).readOnly) out[k] = sample(v, k, depth + 1);
        return out;
      }
      case 'array':
        return Array.from({ length: Math.max(1, Number(s.minItems ?? 1)) }, () => sample(s.items, name, depth + 1));
      case 'integer':
      case 'number':
        return Math.max(Number(s.minimum ?? 1), 1);
      case 'boolean':
        return false;
      case 'string': {
        if (s.format === 'uuid' || /_id$/.test(name)) return ids[name] ?? randomUUID();
        if (s.format === 'date') return '2027-06-01';
        if (s.format === 'date-time') return '2027-06-01T12:00:00Z';
        if (s.format === 'email') return `fuzz-${randomUUID().slice(0, 8)}@example.com`;
        if (typeof s.pattern === 'string') {
          const min = Number(s.minLength ?? 0);
          const max = Number(s.maxLength ?? 64);
          const re = new RegExp(s.pattern);
          const found = fc.sample(fc.stringMatching(re), 200).find((v) => v.length >= min && v.length <= max);
          if (found !== undefined) return found;
        }
        return `Fuzz ${randomUUID().slice(0, 8)}`.slice(0, Number(s.maxLength ?? 64));
      }
      default:
        return null;
    }
  }

  /** Dotted paths of every leaf of a sampled body. */
  function leaves(v: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
    if (Array.isArray(v)) return [path, ...v.flatMap((x, i) => leaves(x, [...path, i]))];
    if (v && typeof v === 'object') return [...(path.length ? [path] : []), ...Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]))];
    return [path];
  }
  function pathWith(op: Operation, override?: [string, string]): string {
    return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      if (override?.[0] === name) return encodeURIComponent(override[1]);
      // Deleting a fixture would starve the operations after it: deletes get fresh ids.
      return op.method === 'DELETE' ? randomUUID() : (ids[name] ?? randomUUID());
    });
  }

  it('answers every hostile parameter and body field below 500', { timeout: 600_000 }, async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const send = async (op: Operation, path: string, body?: unknown) => {
      const r = await request(api.url, op.method, path, body, admin);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status >= 500) failures.push(`${op.method} ${path.slice(0, 120)} ${JSON.stringify(body)?.slice(0, 160) ?? ''} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      return r;
    };
    for (const op of ops) {
      const bodySchema = jsonBodySchema(op);
      const body = bodySchema ? sample(bodySchema) : undefined;

      for (const p of parameters(op, 'path')) {
        for (const v of ['not-a-uuid', 'Ünïcødé', "'", '..', randomUUID().toUpperCase()]) await send(op, pathWith(op, [String(p.name), v]), body);
      }
      for (const p of parameters(op, 'query')) {
        for (const v of QUERY_HOSTILE) await send(op, `${pathWith(op)}?${String(p.name)}=${encodeURIComponent(v)}`, body);
        // and the same values left unencoded, as a sloppy client writes them
        for (const v of ["'", ',', ':', '*', '+', 'a b']) await send(op, `${pathWith(op)}?${String(p.name)}=${v.replace(' ', '%20')}`, body);
      }
      if (body !== undefined) {
        await send(op, pathWith(op), body);
        for (const leaf of leaves(body)) for (const v of HOSTILE) await send(op, pathWith(op), leaf.length ? replaced(body, leaf, v) : v);
      }
    }
    expect(failures).toEqual([]);
    // The generator reached past validation: plenty of requests, and valid ones did succeed.
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(2000);
    expect((statuses.get(200) ?? 0) + (statuses.get(201) ?? 0)).toBeGreaterThan(100);
    console.log(`fuzz: ${total} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  });
});
