/**
 * Reading openapi.yaml for generated tests: schemas with $ref/allOf/oneOf resolved, the request
 * body and parameters of an operation, the reference fields (`*_id`) a body schema declares, and a
 * minimal valid body built from the schema with reference values supplied by the caller.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Operation } from '../../api/http/operations.js';
import { openapiDocument } from '../../api/http/openapi.js';

export type Json = Record<string, unknown>;
/** Where a value sits in a body: keys and array indexes, e.g. ['items', 0, 'variant_id']. */
export type FieldPath = Array<string | number>;

export function resolve(node: unknown): Json {
  let n = (node ?? {}) as Json;
  while (typeof n.$ref === 'string') {
    n = n.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<Json>((acc, k) => acc[k] as Json, openapiDocument);
  }
  if (Array.isArray(n.allOf)) return Object.assign({}, ...n.allOf.map(resolve), { ...n, allOf: undefined });
  for (const k of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(n[k])) return resolve((n[k] as Json[]).find((s) => resolve(s).type !== 'null') ?? {});
  }
  return n;
}

export const typeOf = (s: Json) => (Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : (s.type as string | undefined));

const operationOf = (op: Operation) => (openapiDocument.paths as Record<string, Json>)[op.path]![op.method.toLowerCase()] as Json;

export function jsonBodySchema(op: Operation): Json | undefined {
  const body = operationOf(op).requestBody;
  if (!body) return undefined;
  const media = (resolve(body).content as Json | undefined)?.['application/json'] as Json | undefined;
  return media?.schema ? resolve(media.schema) : undefined;
}

export function parameters(op: Operation, where: 'query' | 'path'): Json[] {
  const item = (openapiDocument.paths as Record<string, Json>)[op.path]!;
  const own = operationOf(op).parameters as unknown[] | undefined;
  return [...((item.parameters as unknown[]) ?? []), ...(own ?? [])].map(resolve).filter((p) => p.in === where);
}

/** The 200 answer's schema of a GET, when it is a page (`data` array): a list operation. */
export function isListOperation(op: Operation): boolean {
  if (op.method !== 'GET') return false;
  const ok = (resolve(operationOf(op).responses && (operationOf(op).responses as Json)['200']).content as Json | undefined)?.['application/json'] as Json | undefined;
  const schema = ok?.schema ? resolve(ok.schema) : undefined;
  return typeOf(resolve((schema?.properties as Json | undefined)?.data)) === 'array';
}

export const isReferenceName = (name: string) => /_id$/.test(name);

/** Every `*_id` string field the schema declares, at any depth (array items at index 0). */
export function referenceFields(schema: unknown, path: FieldPath = [], depth = 0): FieldPath[] {
  const s = resolve(schema);
  if (depth > 5) return [];
  if (typeOf(s) === 'array') return referenceFields(s.items, [...path, 0], depth + 1);
  if (typeOf(s) !== 'object') return [];
  return Object.entries((s.properties ?? {}) as Json).flatMap(([k, v]) =>
    isReferenceName(k) && typeOf(resolve(v)) === 'string' ? [[...path, k]] : referenceFields(v, [...path, k], depth + 1),
  );
}

let counter = 0;

/**
 * A minimal valid value: required properties, plus every property leading to a reference field
 * (so optional references are exercised too). `ref(name)` supplies each `*_id` value.
 */
export function sample(schema: unknown, ref: (name: string) => string | undefined, name = '', depth = 0): unknown {
  const s = resolve(schema);
  if (Array.isArray(s.enum)) return s.enum.find((v) => v !== null);
  switch (typeOf(s)) {
    case 'object': {
      const props = (s.properties ?? {}) as Json;
      const required = new Set((s.required as string[] | undefined) ?? []);
      const keys = Object.keys(props).filter((k) => required.has(k) || referenceFields(props[k], [k]).length > 0 || isReferenceName(k));
      if (keys.length === 0 && Number(s.minProperties ?? 0) > 0) keys.push(Object.keys(props)[0]!);
      return Object.fromEntries(keys.map((k) => [k, sample(props[k], ref, k, depth + 1)]));
    }
    case 'array':
      return Array.from({ length: Math.max(1, Number(s.minItems ?? 1)) }, () => sample(s.items, ref, name, depth + 1));
    case 'integer':
    case 'number':
      return Math.min(Math.max(Number(s.minimum ?? 1), 1), Number(s.maximum ?? Infinity));
    case 'boolean':
      return false;
    case 'string': {
      if (isReferenceName(name) || s.format === 'uuid') return ref(name) ?? randomUUID();
      if (s.format === 'date') return '2031-06-01';
      if (s.format === 'date-time') return '2031-06-01T12:00:00Z';
      if (s.format === 'email') return `probe-${randomUUID().slice(0, 8)}@example.com`;
      const min = Number(s.minLength ?? 0);
      const max = Number(s.maxLength ?? 64);
      // Unique per call: names, SKUs and licence numbers are unique per entity.
      const plain = `P${randomUUID().slice(0, 8).toUpperCase()}${++counter}`;
      if (typeof s.pattern !== 'string') return plain.slice(0, max);
      const re = new RegExp(s.pattern);
      if (re.test(plain) && plain.length >= min && plain.length <= max) return plain;
      return fc.sample(fc.stringMatching(re), 200).find((v) => v.length >= min && v.length <= max) ?? plain;
    }
    default:
      return null;
  }
}

export function getAt(body: unknown, path: FieldPath): unknown {
  return path.reduce<unknown>((node, k) => (node as Record<string | number, unknown>)?.[k], body);
}

export function replaced(body: unknown, path: FieldPath, value: unknown): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

export const fieldName = (path: FieldPath) => path.map((k) => (typeof k === 'number' ? `[${k}]` : k)).join('.').replace(/\.\[/g, '[');
