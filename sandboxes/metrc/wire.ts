/**
 * How the sandbox speaks: v2 list envelopes with METRC's paging rules, `{Ids, Warnings}` on
 * POST, empty 200 on PUT/DELETE, row-message arrays on 400, optional camelCase keys (some
 * states answer that way), and query names matched case-insensitively like ASP.NET does.
 */
import type { Request, Response } from 'express';

export type KeyCase = 'pascal' | 'camel';
export interface RowMessage {
  row: number;
  message: string;
}

const MAX_PAGE_SIZE = 20;

function camelize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelize);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), camelize(v)]),
  );
}

/** Drops sandbox bookkeeping (lower-case keys on stored objects are never wire fields). */
export function wire<T extends object>(obj: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => /^[A-Z]/.test(k)));
}

export function sendJson(res: Response, status: number, body: unknown): void {
  const keyCase = (res.app.locals.keyCase as KeyCase | undefined) ?? 'pascal';
  res.status(status).json(keyCase === 'camel' ? camelize(body) : body);
}

export function sendMessage(res: Response, status: number, message: string): void {
  sendJson(res, status, { Message: message });
}

export function sendRowErrors(res: Response, rows: RowMessage[]): void {
  res.status(400).json(rows);
}

/** METRC's empty 200 (never 204) for PUT and DELETE. */
export function sendEmptyOk(res: Response): void {
  res.status(200).end();
}

export function sendIds(res: Response, ids: number[]): void {
  sendJson(res, 200, { Ids: ids, Warnings: null });
}

export function query(req: Request, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(req.query)) {
    if (k.toLowerCase() !== wanted) continue;
    const first = Array.isArray(v) ? v[0] : v;
    return typeof first === 'string' ? first : undefined;
  }
  return undefined;
}

/** Paging is off unless pageSize is given; pageSize above 20 is refused as METRC does. */
/**
 * A paged answer. `toRow`, when given, shapes only the rows of the requested page (large lists
 * are filtered cheaply and built page by page).
 */
export function sendList<T>(req: Request, res: Response, rows: T[], toRow?: (row: T) => unknown): void {
  const sizeRaw = query(req, 'pageSize');
  const numberRaw = query(req, 'pageNumber');
  const pageSize = sizeRaw === undefined ? rows.length || 1 : Number(sizeRaw);
  const page = numberRaw === undefined ? 1 : Number(numberRaw);
  if (!Number.isInteger(pageSize) || pageSize < 1 || (sizeRaw !== undefined && pageSize > MAX_PAGE_SIZE)) {
    return sendMessage(res, 400, `pageSize must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  if (!Number.isInteger(page) || page < 1) return sendMessage(res, 400, 'pageNumber must be 1 or greater.');
  const slice = rows.slice((page - 1) * pageSize, page * pageSize);
  const data = toRow ? slice.map(toRow) : slice;
  const totalPages = Math.ceil(rows.length / pageSize);
  sendJson(res, 200, {
    Data: data,
    Total: rows.length,
    TotalRecords: rows.length,
    PageSize: pageSize,
    RecordsOnPage: data.length,
    Page: page,
    CurrentPage: page,
    TotalPages: totalPages,
  });
}

/**
 * Inclusive lastModified window from the query; an unparsable bound answers 400 and returns
 * null so the route stops.
 */
export function lastModifiedFilter(req: Request, res: Response): ((lastModified: string) => boolean) | null {
  const bounds: number[] = [];
  for (const name of ['lastModifiedStart', 'lastModifiedEnd']) {
    const raw = query(req, name);
    const t = raw === undefined ? NaN : Date.parse(raw);
    if (raw !== undefined && Number.isNaN(t)) {
      sendMessage(res, 400, `${name} is not a valid date.`);
      return null;
    }
    bounds.push(raw === undefined ? (name === 'lastModifiedStart' ? -Infinity : Infinity) : t);
  }
  const [start, end] = bounds as [number, number];
  return (lastModified) => {
    const t = Date.parse(lastModified);
    return t >= start && t <= end;
  };
}

/**
 * The body of a write: a non-empty array of objects, at most `maxObjects` long. Anything else
 * is answered here (400 rows or 413) and null is returned.
 */
export function writeRows(req: Request, res: Response): Record<string, unknown>[] | null {
  const body: unknown = req.body;
  if (!Array.isArray(body)) {
    sendRowErrors(res, [
      { row: 0, message: 'No data was submitted: the request body must be a JSON array of objects.' },
    ]);
    return null;
  }
  if (body.length === 0) {
    sendRowErrors(res, [{ row: 0, message: 'No data was submitted.' }]);
    return null;
  }
  const maxObjects = (res.app.locals.maxObjectsPerRequest as number | undefined) ?? 10;
  if (body.length > maxObjects) {
    sendMessage(res, 413, `The request contains ${body.length} objects; the limit is ${maxObjects}.`);
    return null;
  }
  const bad = body.flatMap((r, row) =>
    typeof r === 'object' && r !== null && !Array.isArray(r) ? [] : [{ row, message: 'Each entry must be an object.' }],
  );
  if (bad.length) {
    sendRowErrors(res, bad);
    return null;
  }
  return body as Record<string, unknown>[];
}

export const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const sortByModified = <T extends { LastModified: string; Id: number }>(rows: T[]): T[] =>
  rows.sort((a, b) => Date.parse(a.LastModified) - Date.parse(b.LastModified) || a.Id - b.Id);
