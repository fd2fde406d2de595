/**
 * The contract is complete in both directions: every /api/v1 route the Express app mounts is an
 * operation in openapi.yaml (and vice versa), and every operation documents its error answers
 * with the seed's envelope.
 */
import type { Express } from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../api/app.js';
import { openapiDocument } from '../../../api/http/openapi.js';
import { closeDeps, createDeps } from '../../support/harness.js';

type Json = Record<string, unknown>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const BASE = '/api/v1';
/** Served beside the contract rather than described by it. */
const NOT_OPERATIONS = new Set(['GET /api/v1/openapi.json', 'GET /api/v1/openapi.yaml']);

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string | RegExp | Array<string | RegExp>;
}

/** Walks Express 5's router stack: mounted sub-routers keep their mount path in `rawPath`. */
function mountedRoutes(stack: Layer[], prefix = ''): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const p of paths) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') out.push(`${method.toUpperCase()} ${prefix}${p}`);
          if (on && method === '_all') out.push(`ALL ${prefix}${p}`);
        }
      }
    } else if (layer.handle?.stack) {
      const raw = layer.rawPath;
      const mount = typeof raw === 'string' && raw !== '/' ? raw : '';
      if (raw instanceof RegExp || Array.isArray(raw)) out.push(`UNKNOWN ${String(raw)}`);
      out.push(...mountedRoutes(layer.handle.stack, prefix + mount));
    }
  }
  return out;
}

const specPaths = openapiDocument.paths as Record<string, Json>;
const documented = Object.entries(specPaths).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${BASE}${path.replace(/\{(\w+)\}/g, ':$1')}`),
);

function resolve(ref: Json): Json {
  let node: Json = ref;
  while (typeof node.$ref === 'string') {
    node = (node.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce<Json>((acc, key) => acc[key.replace(/~1/g, '/').replace(/~0/g, '~')] as Json, openapiDocument);
  }
  return node;
}

const usesErrorEnvelope = (response: Json) => {
  const schema = ((resolve(response).content as Json | undefined)?.['application/json'] as Json | undefined)?.schema as Json | undefined;
  return schema?.$ref === '#/components/schemas/Error';
};

describe('OpenAPI contract coverage', () => {
  const deps = createDeps();
  afterAll(() => closeDeps(deps));

  it('documents every /api/v1 route the app mounts, and mounts every documented operation', () => {
    const app = createApp(deps) as Express & { router: { stack: Layer[] } };
    const mounted = mountedRoutes(app.router.stack).filter((r) => r.split(' ')[1]!.startsWith(`${BASE}/`) && !NOT_OPERATIONS.has(r));
    expect(mounted.filter((r) => r.startsWith('UNKNOWN') || r.startsWith('ALL'))).toEqual([]);
    expect(mounted.length).toBeGreaterThanOrEqual(30);
    const undocumented = mounted.filter((r) => !documented.includes(r));
    const unmounted = documented.filter((r) => !mounted.includes(r));
    expect({ undocumented, unmounted }).toEqual({ undocumented: [], unmounted: [] });
  });

  it('gives every operation an error envelope for its 4xx and default answers', () => {
    const problems: string[] = [];
    for (const [path, item] of Object.entries(specPaths)) {
      const pathParams = ((item.parameters as Json[] | undefined) ?? []).map(resolve);
      for (const method of METHODS) {
        const op = item[method] as Json | undefined;
        if (!op) continue;
        const name = `${method.toUpperCase()} ${path}`;
        const responses = op.responses as Record<string, Json>;
        const errors = Object.entries(responses).filter(([status]) => status === 'default' || /^[45]/.test(status));
        if (!errors.some(([s]) => s === 'default')) problems.push(`${name}: no default error response`);
        for (const [status, response] of errors) {
          if (!usesErrorEnvelope(response)) problems.push(`${name} ${status}: not the error envelope`);
        }
        const params = [...pathParams, ...((op.parameters as Json[] | undefined) ?? []).map(resolve)];
        if (params.some((p) => p.in === 'path') && !responses['404']) problems.push(`${name}: path parameters but no 404`);
        // A path parameter with a format, pattern or enum (e.g. a UUID) can be malformed: that is a 400.
        const constrained = (p: Json) => {
          const schema = resolve((p.schema as Json | undefined) ?? {});
          return ['format', 'pattern', 'enum'].some((k) => k in schema) || schema.type === 'integer';
        };
        const validated = op.requestBody || params.some((p) => p.in === 'query' || (p.in === 'path' && constrained(p)));
        if (validated && !responses['400']) problems.push(`${name}: validated input but no 400`);
      }
    }
    expect(problems).toEqual([]);
  });
});
