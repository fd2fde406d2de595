import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listOperations } from '../../../api/http/operations.js';
import { createResolver, segmentsOf } from '../../../api/http/route.js';
import { openapiDocument } from '../../../api/http/openapi.js';

const resolve = createResolver(openapiDocument);
const ops = listOperations(openapiDocument);

/** Ways to respell one literal segment that must not change what it names. */
const respell = fc.constantFrom(
  (s: string) => s.toUpperCase(),
  (s: string) => [...s].map((c, i) => (i % 3 === 0 ? c.toUpperCase() : c)).join(''),
  (s: string) => s.replace(/[a-z-]/, (c) => `%${c.charCodeAt(0).toString(16)}`),
  (s: string) => s.replace(/[a-z]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  (s: string) => s,
);
const separator = fc.constantFrom('/', '//', '/./', '/zz/../', '/%2E/', '/x/%2e%2e/');

describe('the operation gate', () => {
  it('resolves any spelling of an operation to that operation and its canonical path', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ops),
        fc.array(fc.uuid(), { minLength: 4, maxLength: 4 }),
        fc.array(respell, { minLength: 12, maxLength: 12 }),
        fc.array(separator, { minLength: 12, maxLength: 12 }),
        fc.boolean(),
        (op, ids, spell, seps, trailing) => {
          let n = 0;
          const segs = ['api', 'v1', ...op.path.split('/').filter(Boolean)].map((s) => (/^\{.+\}$/.test(s) ? { id: ids[n++]! } : { lit: s }));
          const canonical = '/' + segs.map((s) => ('id' in s ? s.id : s.lit)).join('/');
          const spelled = segs.map((s, i) => `${seps[i]!}${'id' in s ? s.id : spell[i]!(s.lit)}`).join('') + (trailing ? '/' : '');
          const r = resolve(op.method, spelled);
          expect(r).toMatchObject({ kind: 'operation', path: canonical });
          if (r.kind === 'operation') expect(r.operation.operationId).toBe(op.operationId);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('treats paths outside /api as none of its business and unknown API paths as no operation', () => {
    expect(resolve('GET', '/orders')).toEqual({ kind: 'outside' });
    expect(resolve('GET', '/api/docs/')).toEqual({ kind: 'outside' });
    expect(resolve('GET', '/healthz')).toEqual({ kind: 'outside' });
    expect(resolve('GET', '/Api/v1/nothing-here')).toEqual({ kind: 'none' });
    expect(resolve('GET', '/api/v2/orders')).toEqual({ kind: 'none' });
    expect(resolve('GET', '/api/v1/orders/%E0%A4%A')).toEqual({ kind: 'none' });
    // Dot segments cannot climb out of /api to reach something unauthenticated, or back in.
    expect(resolve('GET', '/api/v1/../../healthz')).toEqual({ kind: 'outside' });
    expect(resolve('GET', '/console/../API/v1/audit-log')).toMatchObject({ kind: 'operation', path: '/api/v1/audit-log' });
  });

  it('keeps a path parameter as sent, re-encoded, so an id cannot smuggle a separator', () => {
    const r = resolve('GET', '/api/v1/orders/a%2Fb');
    expect(r).toMatchObject({ kind: 'operation', path: '/api/v1/orders/a%2Fb' });
    expect(segmentsOf('/a//b/./c/../d')).toEqual(['a', 'b', 'd']);
  });

  it('names the allowed methods of a known path', () => {
    expect(resolve('DELETE', '/api/v1/audit-log')).toMatchObject({ kind: 'method_not_allowed', allow: ['GET', 'HEAD'] });
    expect(resolve('OPTIONS', '/API/v1/orders')).toEqual({ kind: 'preflight', path: '/api/v1/orders' });
  });
});
