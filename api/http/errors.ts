import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { DatabaseError, ForeignKeyConstraintError, UniqueConstraintError, ValidationError } from 'sequelize';
import { AppError, ERROR_CODES, type ErrorCode } from '../../domain/errors.js';
import { dependencyDown } from '../../platform/dependencyErrors.js';
import { logger } from '../../platform/logger.js';
import { errorReporter } from '../../platform/telemetry/sentry.js';

export interface ErrorEnvelope {
  error: { code: string; message: string; details: Record<string, unknown> };
}

/**
 * Writes an error answer. `res.end` rather than `res.json`: Express would tag the error with an
 * ETag, which a client could later send in If-Match as if it named a representation.
 */
export function sendError(res: Response, status: number, body: ErrorEnvelope): void {
  res.status(status).type('application/json').end(JSON.stringify(body));
}

export function envelope(code: string, message: string, details: Record<string, unknown> = {}): ErrorEnvelope {
  return { error: { code, message, details } };
}

interface OpenApiValidationError {
  status: number;
  message: string;
  errors?: Array<{ path?: string; message?: string; errorCode?: string }>;
}

function isOpenApiError(err: unknown): err is OpenApiValidationError {
  return typeof err === 'object' && err !== null && 'status' in err && Array.isArray((err as { errors?: unknown }).errors);
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Turns "/body/items/0/quantity" or "request/body/items/0/quantity" into "items[0].quantity". */
function fieldOf(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const parts = path.replace(/^\.?\/?(request\/)?/, '').split(/[/.]/).filter(Boolean);
  if (['body', 'query', 'params', 'path', 'headers'].includes(parts[0] ?? '')) parts.shift();
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') || undefined;
}

/**
 * Unique keys whose name does not end in the API field it guards. Other keys follow the
 * `uq_<table>_<field>` convention and are read from their name.
 */
const UNIQUE_KEY_FIELDS: Record<string, string> = {
  uq_entities_license: 'license_number',
  uq_locations_license: 'license_number',
  uq_variants_entity_sku: 'sku',
  uq_inventory_variant_location: 'location_id',
  uq_order_items_variant: 'variant_id',
  uq_orders_number: 'order_number',
  uq_users_email: 'email',
};

function uniqueField(err: UniqueConstraintError): string {
  const key = Object.keys(err.fields ?? {})[0] ?? '';
  const named = UNIQUE_KEY_FIELDS[key];
  if (named) return named;
  const cols = err.errors?.map((e) => e.path).filter(Boolean) ?? [];
  if (cols.length && !cols.includes(key)) return String(cols[cols.length - 1]);
  return key.replace(/^uq_[a-z]+_/, '') || 'unknown';
}

/**
 * Constraint violations the services did not foresee still describe a client mistake (a
 * duplicate, a dangling or still-used reference, a value the column cannot hold), never a 500.
 * The statement failed, so its transaction rolled back and nothing changed.
 */
function databaseEnvelope(err: unknown): { status: number; body: ErrorEnvelope } | undefined {
  if (err instanceof UniqueConstraintError) {
    const field = uniqueField(err);
    return {
      status: 409,
      body: envelope('CONFLICT', `Another record already uses this ${field}`, { field, issue: 'already exists' }),
    };
  }
  if (err instanceof ForeignKeyConstraintError) {
    const fields = Array.isArray(err.fields) ? (err.fields as string[]) : Object.keys(err.fields ?? {});
    const field = fields[0] ?? 'id';
    // 'parent': something still points at the row being deleted or re-keyed.
    if (err.reltype === 'parent') {
      return { status: 409, body: envelope('CONFLICT', 'Other records still depend on this one; remove those first', { issue: 'referenced', referenced_by: err.table ?? null }) };
    }
    return { status: 422, body: envelope('UNPROCESSABLE_ENTITY', `${field} does not name an existing record`, { field, issue: 'not found' }) };
  }
  if (err instanceof ValidationError) {
    const first = err.errors[0];
    return { status: 400, body: envelope('VALIDATION_ERROR', 'Invalid input', { field: first?.path ?? 'body', issue: first?.message ?? err.message }) };
  }
  if (err instanceof DatabaseError) {
    const { errno, sqlMessage } = err.original as { errno?: number; sqlMessage?: string };
    const column = /column '([^']+)'/i.exec(sqlMessage ?? '')?.[1];
    if (errno === 1406 || errno === 1264 || errno === 1366) {
      // too long, out of range, wrong value for the column
      return { status: 400, body: envelope('VALIDATION_ERROR', 'Invalid input', { field: column ?? 'body', issue: 'value does not fit the field' }) };
    }
    if (errno === 4025 || errno === 3819) {
      // CHECK constraint (MariaDB 4025, MySQL 3819): the change would break an invariant.
      const check = /constraint [`']?([\w]+)/i.exec(sqlMessage ?? '')?.[1];
      return { status: 409, body: envelope('CONFLICT', 'The change would break a data invariant', { issue: 'constraint violated', constraint: check ?? null }) };
    }
  }
  return undefined;
}

/** The one place that turns any thrown value into the seed's error envelope. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (res.headersSent) return;
  if (err instanceof AppError) {
    // Every 429 that knows when to come back says so in the standard header too (sign-in and
    // MFA lockouts carry it only in details); a header set earlier by the thrower wins.
    const retryAfter = err.details.retry_after_seconds;
    if (err.code === 'RATE_LIMITED' && typeof retryAfter === 'number' && retryAfter > 0 && !res.getHeader('Retry-After')) {
      res.setHeader('Retry-After', String(Math.ceil(retryAfter)));
    }
    sendError(res, err.status, envelope(err.code, err.message, err.details));
    return;
  }
  const db = databaseEnvelope(err);
  if (db) {
    sendError(res, db.status, db.body);
    return;
  }
  if (isOpenApiError(err) && err.status === 415) {
    sendError(res, 415, envelope('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json', { field: 'content-type', issue: err.message }));
    return;
  }
  if (isOpenApiError(err) && err.status >= 400 && err.status < 500) {
    const issues = (err.errors ?? []).map((e) => {
      const location = e.path?.split('/').filter(Boolean)[0] === 'request' ? e.path.split('/')[1] : e.path?.split('/')[1];
      // A problem with the whole body (e.g. an array instead of an object) names the body itself.
      return { field: fieldOf(e.path) ?? location, location, issue: e.message };
    });
    const first = issues[0];
    // An address that is a string but no email address is refused like a phone number that is no
    // E.164 number: 422 naming the field (issue 16), not the 400 of a malformed request.
    const notAnAddress = err.status === 400 && !!err.errors?.length && err.errors.every((e) => /format "email"/.test(e.message ?? ''));
    const status = notAnAddress ? 422 : err.status;
    const code = notAnAddress ? 'UNPROCESSABLE_ENTITY' : (STATUS_CODES[err.status] ?? 'VALIDATION_ERROR');
    sendError(
      res,
      status,
      envelope(code, notAnAddress ? `${first?.field ?? 'email'} is not an email address` : code === 'VALIDATION_ERROR' ? 'Invalid input' : err.message, {
        ...(first?.field ? { field: first.field } : {}),
        ...(first?.issue ? { issue: first.issue } : {}),
        issues,
      }),
    );
    return;
  }
  // body-parser and friends mark client mistakes with `status`/`type`.
  const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (e.type === 'entity.parse.failed') {
      sendError(res, 400, envelope('VALIDATION_ERROR', 'Malformed JSON body', { field: 'body', issue: 'not valid JSON' }));
      return;
    }
    if (e.type === 'entity.too.large') {
      const limit = (err as { limit?: number }).limit;
      const kb = typeof limit === 'number' ? `${Math.round(limit / 1024)} kb` : 'the size limit';
      sendError(res, 413, envelope('PAYLOAD_TOO_LARGE', 'Request body is too large', { field: 'body', issue: `larger than ${kb}` }));
      return;
    }
    const code = STATUS_CODES[status] ?? 'BAD_REQUEST';
    sendError(res, status, envelope(code, e.message ?? 'Bad request'));
    return;
  }
  // The database or Redis unreachable (restarting, connection dropped): retry shortly, not a bug.
  const down = dependencyDown(err);
  if (down) {
    logger().warn({ err: String(err), path: req.path, dependency: down }, 'dependency unavailable');
    res.setHeader('Retry-After', '5');
    sendError(res, 503, envelope('SERVICE_UNAVAILABLE', 'A service this request needs is unavailable; retry shortly', { dependency: down }));
    return;
  }
  logger().error({ err, reqId: req.headers['x-request-id'], path: req.path }, 'unhandled error');
  errorReporter().capture(err, { request_id: String(res.getHeader('x-request-id') ?? ''), route: req.route?.path ?? 'unmatched' });
  sendError(res, 500, envelope('INTERNAL_ERROR', 'Internal server error', { request_id: res.getHeader('x-request-id') }));
};

export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, 404, envelope('NOT_FOUND', `No route for ${req.method} ${req.path}`));
};

export { ERROR_CODES };
