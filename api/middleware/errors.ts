import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, ERROR_CODES, type ErrorCode } from '../../domain/errors.js';
import { logger } from '../../platform/logger.js';

export interface ErrorEnvelope {
  error: { code: string; message: string; details: Record<string, unknown> };
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

/** The one place that turns any thrown value into the seed's error envelope. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (res.headersSent) return;
  if (err instanceof AppError) {
    res.status(err.status).json(envelope(err.code, err.message, err.details));
    return;
  }
  if (isOpenApiError(err) && err.status >= 400 && err.status < 500) {
    const issues = (err.errors ?? []).map((e) => ({
      field: fieldOf(e.path),
      location: e.path?.split('/').filter(Boolean)[0] === 'request' ? e.path.split('/')[1] : e.path?.split('/')[1],
      issue: e.message,
    }));
    const first = issues[0];
    const code = STATUS_CODES[err.status] ?? 'VALIDATION_ERROR';
    res.status(err.status).json(
      envelope(code, code === 'VALIDATION_ERROR' ? 'Invalid input' : err.message, {
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
      res.status(400).json(envelope('VALIDATION_ERROR', 'Malformed JSON body', { field: 'body', issue: 'not valid JSON' }));
      return;
    }
    if (e.type === 'entity.too.large') {
      res.status(413).json(envelope('PAYLOAD_TOO_LARGE', 'Request body is too large', { field: 'body' }));
      return;
    }
    const code = STATUS_CODES[status] ?? 'BAD_REQUEST';
    res.status(status).json(envelope(code, e.message ?? 'Bad request'));
    return;
  }
  logger().error({ err, reqId: req.headers['x-request-id'], path: req.path }, 'unhandled error');
  res.status(500).json(envelope('INTERNAL_ERROR', 'Internal server error', { request_id: res.getHeader('x-request-id') }));
};

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(envelope('NOT_FOUND', `No route for ${req.method} ${req.path}`));
};

export { ERROR_CODES };
