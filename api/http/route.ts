/**
 * The one place that decides which operation of openapi.yaml a request under /api is, whatever
 * its spelling. Express routes case-insensitively and tolerates trailing slashes, the validator
 * and the auth layer once matched case-sensitively: a path one of them recognised and another did
 * not slipped past authentication. Now every spelling (case, doubled or trailing slashes,
 * percent-encoding, dot segments) is reduced to the spec's own spelling here, before anything
 * else looks at it, and the request is rewritten to that one canonical path; a path that names no
 * operation is a 404 envelope and goes no further.
 */
import type { RequestHandler } from 'express';
import { AppError } from '../../domain/errors.js';
import { listOperations, type Operation } from './operations.js';

export const API_PREFIX = '/api/v1';

/** Paths under /api that are not operations: the published spec and the interactive docs. */
const SPEC_FILES = new Set(['openapi.json', 'openapi.yaml']);
const DOCS_PREFIX = '/api/docs';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

declare module 'express-serve-static-core' {
  interface Request {
    /** The operation the gate resolved; set for every request that reaches the API routes. */
    operation?: Operation;
  }
}

export type Resolution =
  | { kind: 'outside' }
  | { kind: 'operation'; operation: Operation; path: string }
  | { kind: 'spec'; path: string }
  | { kind: 'method_not_allowed'; allow: string[]; path: string }
  | { kind: 'preflight'; path: string }
  | { kind: 'none' };

/** Decoded path segments with empty and dot segments resolved, or undefined when undecodable. */
export function segmentsOf(rawPath: string): string[] | undefined {
  const out: string[] = [];
  for (const raw of rawPath.split('/')) {
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (s === '' || s === '.') continue;
    if (s === '..') {
      out.pop();
      continue;
    }
    out.push(s);
  }
  return out;
}

interface Template {
  op: Operation;
  /** Literal segments in their spec spelling; null where the template has a parameter. */
  parts: Array<string | null>;
}

export function createResolver(doc: Record<string, unknown>) {
  const templates: Template[] = listOperations(doc).map((op) => ({
    op,
    parts: op.path
      .split('/')
      .filter(Boolean)
      .map((s) => (/^\{[^}]+\}$/.test(s) ? null : s)),
  }));

  const fits = (t: Template, segs: string[]) =>
    t.parts.length === segs.length && t.parts.every((p, i) => p === null || p.toLowerCase() === segs[i]!.toLowerCase());

  // UUIDs name the same object in either case (RFC 4122); ids are stored lower-case.
  const param = (s: string) => encodeURIComponent(UUID.test(s) ? s.toLowerCase() : s);
  const spell = (t: Template, segs: string[]) => `${API_PREFIX}/${t.parts.map((p, i) => p ?? param(segs[i]!)).join('/')}`;

  return (method: string, rawPath: string): Resolution => {
    // Exact docs paths are served as they are (swagger-ui relies on its own trailing slash).
    if (rawPath === DOCS_PREFIX || rawPath.startsWith(`${DOCS_PREFIX}/`)) return { kind: 'outside' };
    const segs = segmentsOf(rawPath);
    if (!segs) return /^\/+api(\/|$)/i.test(rawPath) ? { kind: 'none' } : { kind: 'outside' };
    if (segs[0]?.toLowerCase() !== 'api') return { kind: 'outside' };
    if (segs[1]?.toLowerCase() !== 'v1') return { kind: 'none' };
    const rest = segs.slice(2);
    if (rest.length === 1 && SPEC_FILES.has(rest[0]!.toLowerCase())) {
      return method === 'GET' || method === 'HEAD' ? { kind: 'spec', path: `${API_PREFIX}/${rest[0]!.toLowerCase()}` } : { kind: 'method_not_allowed', allow: ['GET', 'HEAD'], path: `${API_PREFIX}/${rest[0]!.toLowerCase()}` };
    }
    // Templates come most-literal first, so /auth/sessions wins over /auth/{x}.
    const candidates = templates.filter((t) => fits(t, rest));
    if (candidates.length === 0) return { kind: 'none' };
    const wanted = method === 'HEAD' ? 'GET' : method;
    const hit = candidates.find((t) => t.op.method === wanted);
    if (hit) return { kind: 'operation', operation: hit.op, path: spell(hit, rest) };
    const first = candidates[0]!;
    const samePath = candidates.filter((t) => t.op.path === first.op.path);
    if (method === 'OPTIONS') return { kind: 'preflight', path: spell(first, rest) };
    const allow = [...new Set(samePath.map((t) => t.op.method))];
    if (allow.includes('GET')) allow.push('HEAD');
    return { kind: 'method_not_allowed', allow, path: spell(first, rest) };
  };
}

/** Rewrites the request to its canonical path (query kept as sent). */
function rewrite(req: Parameters<RequestHandler>[0], path: string): void {
  const q = req.url.indexOf('?');
  req.url = q === -1 ? path : path + req.url.slice(q);
}

/**
 * First middleware of the app. Requests outside /api pass untouched; API requests reach the
 * rest of the stack only under their canonical path and with `req.operation` set.
 */
export function operationGate(doc: Record<string, unknown>): RequestHandler {
  const resolve = createResolver(doc);
  return (req, res, next) => {
    const q = req.url.indexOf('?');
    const rawPath = q === -1 ? req.url : req.url.slice(0, q);
    const r = resolve(req.method, rawPath);
    switch (r.kind) {
      case 'outside':
        return next();
      case 'none':
        throw new AppError('NOT_FOUND', `No operation for ${req.method} ${rawPath}`);
      case 'method_not_allowed':
        res.setHeader('Allow', r.allow.join(', '));
        throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, { allow: r.allow });
      case 'operation':
        req.operation = r.operation;
        rewrite(req, r.path);
        return next();
      case 'spec':
      case 'preflight':
        rewrite(req, r.path);
        return next();
    }
  };
}
