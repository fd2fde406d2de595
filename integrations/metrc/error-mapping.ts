/**
 * Turns METRC's answers (and the lack of one) into the typed errors of errors.ts. Kept apart
 * from the transport so the rules can be read in one place and tested without HTTP.
 */
import {
  MetrcAuthError,
  MetrcRateLimitError,
  MetrcRequestError,
  MetrcUnavailableError,
  MetrcValidationError,
  type MetrcError,
  type MetrcRowMessage,
} from './errors.js';
import { isObject, readField, readNumber, readString } from './fields.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export const isWrite = (method: HttpMethod): boolean => method !== 'GET';

/** IIS serves outage pages as HTML (or XML) with any status, even 200. */
export function looksLikeMarkup(contentType: string | undefined, body: string): boolean {
  if (contentType && /text\/html|application\/xhtml|text\/xml/i.test(contentType)) return true;
  return /^\s*<(!doctype|html|\?xml|head|body)/i.test(body);
}

export function tryParseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false };
  }
}

const MAX_TEXT = 500;

/** `[{row, message}]` (any casing), `{Message}`, plain text or nothing. */
export function parseRowMessages(body: string): MetrcRowMessage[] {
  if (body.trim() === '') return [];
  const parsed = tryParseJson(body);
  if (!parsed.ok) return [{ row: null, message: body.trim().slice(0, MAX_TEXT) }];
  const value = parsed.value;
  if (Array.isArray(value)) {
    return value.map((entry) => {
      if (typeof entry === 'string') return { row: null, message: entry };
      const row = readNumber(entry, 'row');
      return { row: row ?? null, message: readString(entry, 'message') ?? JSON.stringify(entry).slice(0, MAX_TEXT) };
    });
  }
  const message = metrcMessage(value);
  return message ? [{ row: null, message }] : [];
}

/** `Message` of a `{Message}` body, if any. */
function metrcMessage(value: unknown): string | undefined {
  if (!isObject(value)) return typeof value === 'string' ? value : undefined;
  const m = readField(value, 'Message');
  return typeof m === 'string' ? m : undefined;
}

function describe(body: string): string {
  const parsed = tryParseJson(body);
  const m = parsed.ok ? metrcMessage(parsed.value) : undefined;
  return m ? `: ${m.slice(0, MAX_TEXT)}` : '';
}

/** Retry-After is delta-seconds or an HTTP date; returns milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export interface HttpAnswer {
  method: HttpMethod;
  path: string;
  status: number;
  contentType: string | undefined;
  retryAfter: string | undefined;
  body: string;
}

/** The error for an answer that is not a usable success, or undefined when it is one. */
export function errorForAnswer(a: HttpAnswer): MetrcError | undefined {
  const where = `METRC ${a.method} ${a.path}`;
  const write = isWrite(a.method);
  const markup = looksLikeMarkup(a.contentType, a.body);

  if (a.status >= 200 && a.status < 300) {
    if (markup)
      return new MetrcUnavailableError(`${where} returned an HTML outage page`, 'outage-page', write, a.status);
    if (a.body.trim() !== '' && !tryParseJson(a.body).ok) {
      return new MetrcUnavailableError(`${where} returned a body that is not JSON`, 'bad-response', write, a.status);
    }
    return undefined;
  }
  if (a.status === 400) {
    return new MetrcValidationError(where, parseRowMessages(markup ? '' : a.body));
  }
  if (a.status === 401 || a.status === 403) {
    const why =
      a.status === 401 ? 'unauthorized (bad keys or no rights for this license)' : 'forbidden (missing permission)';
    return new MetrcAuthError(`${where} ${why}${markup ? '' : describe(a.body)}`, a.status);
  }
  if (a.status === 429) {
    return new MetrcRateLimitError(`${where} rate limited`, parseRetryAfter(a.retryAfter));
  }
  if (a.status >= 500) {
    const kind = markup ? 'outage-page' : 'server';
    return new MetrcUnavailableError(
      `${where} failed with ${a.status}${markup ? ' (outage page)' : describe(a.body)}`,
      kind,
      write,
      a.status,
    );
  }
  return new MetrcRequestError(`${where} answered ${a.status}${markup ? '' : describe(a.body)}`, a.status);
}

/** Codes raised before any byte of the request left: the write cannot have landed. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
const TIMEOUT = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/** The error for a request that got no HTTP answer at all. */
export function errorForNoAnswer(method: HttpMethod, path: string, code: string | undefined): MetrcUnavailableError {
  const where = `METRC ${method} ${path}`;
  const write = isWrite(method);
  if (code && TIMEOUT.has(code)) return new MetrcUnavailableError(`${where} timed out`, 'timeout', write);
  if (code && NEVER_SENT.has(code))
    return new MetrcUnavailableError(`${where} could not connect (${code})`, 'network', false);
  return new MetrcUnavailableError(`${where} lost the connection${code ? ` (${code})` : ''}`, 'network', write);
}
