/**
 * METRC takes at most 10 objects per write body (413 beyond). Larger writes go out as several
 * requests in order; when one fails, the error says how many leading objects earlier chunks
 * already committed and its row numbers are shifted to index the caller's whole array.
 */
import { MetrcError, MetrcValidationError } from './errors.js';
import { readArray } from './fields.js';
import type { MetrcWriteResult } from './types.js';

export const METRC_MAX_OBJECTS_PER_REQUEST = 10;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function writeInChunks<T>(
  items: readonly T[],
  size: number,
  send: (part: T[]) => Promise<unknown>,
): Promise<MetrcWriteResult> {
  const result: MetrcWriteResult = { ids: [], warnings: [] };
  let committed = 0;
  for (const part of chunk(items, size)) {
    let body: unknown;
    try {
      body = await send(part);
    } catch (e) {
      if (e instanceof MetrcError) {
        e.committedRows = committed;
        if (e instanceof MetrcValidationError && committed > 0) e.shiftRows(committed);
      }
      throw e;
    }
    result.ids.push(...((readArray(body, 'Ids') ?? []) as number[]));
    result.warnings.push(...(readArray(body, 'Warnings') ?? []));
    committed += part.length;
  }
  return result;
}
