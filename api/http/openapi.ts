import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Router, type RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import swaggerUi from 'swagger-ui-express';
import { parse } from 'yaml';

const specPath = fileURLToPath(new URL('../../openapi/openapi.yaml', import.meta.url));
const specText = readFileSync(specPath, 'utf8');

/** The contract, parsed once; the validator gets its own deep copy (it mutates what it is given). */
export const openapiDocument = parse(specText) as Record<string, unknown>;

/**
 * The validator's copy reads every query value as the client sent it: generated clients, httpx and
 * requests send a space as `+` and leave `:` `,` `'` `*` `/` unencoded (a date-time's colons, a
 * name with an apostrophe). Strict `allowReserved: false` refused those with a 400; the values
 * are still validated against their schemas.
 */
function lenientQueries(doc: Record<string, unknown>): Record<string, unknown> {
  const visit = (params: unknown) => {
    if (!Array.isArray(params)) return;
    for (const p of params as Array<Record<string, unknown>>) if (p.in === 'query') p.allowReserved = true;
  };
  const components = (doc.components ?? {}) as { parameters?: Record<string, Record<string, unknown>> };
  visit(Object.values(components.parameters ?? {}));
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Record<string, { parameters?: unknown }>>)) {
    visit(item.parameters);
    for (const op of Object.values(item)) if (op && typeof op === 'object') visit(op.parameters);
  }
  return doc;
}
const freshCopy = () => lenientQueries(structuredClone(openapiDocument)) as never;

/**
 * express-openapi-validator 5.6.2 finds a request's route by compiling path-to-regexp for every
 * route of the spec, on every request (openapi.metadata.js lookupRoute; upstream PR #1217 caches
 * them, unreleased): about a tenth of the API's CPU on a cached list read. Its matcher comes from
 * the module object at call time, so memoizing that export (per route and options, both fixed
 * after start-up) gives it the cache. Express's router matches with path-to-regexp's `match`,
 * which this does not touch; nothing else in the app calls pathToRegexp.
 */
function cacheValidatorRouteMatchers(): void {
  const ptr = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'))('path-to-regexp') as {
    pathToRegexp: (path: string, opts?: Record<string, unknown>) => unknown;
    __trellisMemo?: true;
  };
  if (ptr.__trellisMemo) return;
  const compile = ptr.pathToRegexp;
  // One map per flag combination, keyed by the path itself: this runs once per spec route on
  // every request, so no key strings are built for it (2.4 % of a cached read's CPU when it did).
  const compiled = [new Map<string, unknown>(), new Map<string, unknown>(), new Map<string, unknown>(), new Map<string, unknown>()];
  ptr.pathToRegexp = (path, opts = {}) => {
    // The validator passes only these two flags; any other call compiles as before.
    if (typeof path !== 'string') return compile(path, opts);
    for (const k in opts) if (k !== 'sensitive' && k !== 'strict') return compile(path, opts);
    const memo = compiled[(opts.sensitive ? 2 : 0) + (opts.strict ? 1 : 0)]!;
    let hit = memo.get(path);
    if (hit === undefined) memo.set(path, (hit = compile(path, opts)));
    return hit;
  };
  ptr.__trellisMemo = true;
}

interface OpenApiMetadata {
  expressRoute: string;
  openApiRoute: string;
  pathParams: Record<string, string>;
  schema: unknown;
  serial: number;
  _responseSchema?: unknown;
}

/**
 * Even with its matchers compiled once, the validator's route lookup tries the spec's routes one
 * by one on every request (Object.entries of all 77, a regexp each): 7.5 % of a cached read's CPU
 * (bench:api-read profile). Its metadata middleware is taken from the module's exports when the
 * validator is built, so wrapping that export remembers, per method and path WITHOUT path
 * parameters (a bounded set: the spec's literal paths), what the lookup found; a path with
 * parameters, an ignored path, or anything the lookup refuses still goes through the validator
 * as before. Each request gets its own copy of the metadata, as the validator would make it.
 */
function rememberValidatorRouteLookups(): void {
  const meta = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'))('./middlewares/openapi.metadata') as {
    applyOpenApiMetadata?: (context: unknown, responseApiDoc: unknown) => RequestHandler;
    __trellisMemo?: true;
  };
  const original = meta.applyOpenApiMetadata;
  if (meta.__trellisMemo || typeof original !== 'function') return;
  meta.applyOpenApiMetadata = (context, responseApiDoc) => {
    const lookup = original(context, responseApiDoc);
    const found = new Map<string, OpenApiMetadata>();
    return (req, res, next) => {
      const q = req.url.indexOf('?');
      const key = `${req.method} ${q === -1 ? req.url : req.url.slice(0, q)}`;
      const hit = found.get(key);
      if (hit) {
        (req as unknown as { openapi: OpenApiMetadata }).openapi = { ...hit, pathParams: {} };
        req.params = {};
        return next();
      }
      lookup(req, res, (err?: unknown) => {
        const m = (req as unknown as { openapi?: OpenApiMetadata }).openapi;
        if (!err && m?.schema && Object.keys(m.pathParams).length === 0 && found.size < 1000) found.set(key, { ...m });
        next(err as Parameters<typeof next>[0]);
      });
    };
  };
  meta.__trellisMemo = true;
}

export function openapiValidator(opts: { validateResponses: boolean }) {
  cacheValidatorRouteMatchers();
  rememberValidatorRouteLookups();
  return OpenApiValidator.middleware({
    apiSpec: freshCopy(),
    // Query strings and paths are always coerced (they are text); bodies are JSON and must already
    // carry the right types: `"name": 5` is an error, not "5".
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false, removeAdditional: false },
    validateResponses: opts.validateResponses ? { removeAdditional: false } : false,
    validateSecurity: false,
    validateFormats: true,
    // Full mode checks the calendar too: 2026-02-30 and 0000-00-00 are not dates (the fast mode's
    // pattern let them through to MySQL, which answered 500 or stored a zero date).
    ajvFormats: { mode: 'full' },
    ignorePaths: (path: string) => !path.startsWith('/api/v1/') || path.startsWith('/api/v1/openapi.'),
    ignoreUndocumented: false,
    // The gate (route.ts) rewrote req.url to the canonical path; originalUrl keeps the
    // client's spelling for the logs. Validate what is routed.
    useRequestUrl: true,
  });
}

const guideText = readFileSync(fileURLToPath(new URL('../../docs/partner-guide.md', import.meta.url)), 'utf8');

/** The interactive docs open with the partner guide (Swagger UI renders the description as Markdown). */
function withGuide(doc: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(doc) as { info: { description?: string } };
  copy.info.description = `${copy.info.description ?? ''}\n\n${guideText.replace(/^# .*\n/, '')}`;
  return copy;
}

/** Raw spec for partners' tooling, plus interactive docs opening with the partner guide. */
export function docsRoutes(): Router {
  const router = Router();
  router.get('/api/v1/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(specText);
  });
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openapiDocument);
  });
  router.get('/api/docs/guide.md', (_req, res) => {
    res.type('text/markdown').send(guideText);
  });
  router.use('/api/docs', swaggerUi.serve, swaggerUi.setup(withGuide(openapiDocument), { customSiteTitle: 'Trellis API' }));
  return router;
}
