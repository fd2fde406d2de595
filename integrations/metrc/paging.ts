/**
 * METRC v2 list envelopes: `{Data, Total, TotalRecords, PageSize, RecordsOnPage, Page,
 * CurrentPage, TotalPages}`, paged with 1-based `pageNumber` and `pageSize` ≤ 20. Some list
 * routes (facilities, units) answer a bare array instead; both are accepted.
 */
import { MetrcUnavailableError } from './errors.js';
import { readArray, readNumber } from './fields.js';

export const METRC_MAX_PAGE_SIZE = 20;

export interface MetrcPage<T> {
  data: T[];
  currentPage: number;
  totalPages: number;
  totalRecords: number | undefined;
}

export function parsePage<T>(body: unknown, requestedPage: number, where: string): MetrcPage<T> {
  if (Array.isArray(body)) return { data: body as T[], currentPage: 1, totalPages: 1, totalRecords: body.length };
  const data = readArray(body, 'Data');
  if (!data) {
    if (body === undefined) return { data: [], currentPage: requestedPage, totalPages: 0, totalRecords: 0 };
    throw new MetrcUnavailableError(`${where} returned a list without Data`, 'bad-response', false);
  }
  return {
    data: data as T[],
    currentPage: readNumber(body, 'CurrentPage') ?? readNumber(body, 'Page') ?? requestedPage,
    totalPages: readNumber(body, 'TotalPages') ?? requestedPage,
    totalRecords: readNumber(body, 'TotalRecords') ?? readNumber(body, 'Total'),
  };
}

/**
 * Yields every row, fetching page after page until METRC says the last one was served. Stops
 * early on an empty page so a miscounting server cannot loop us forever.
 */
export async function* paginate<T>(
  fetchPage: (pageNumber: number) => Promise<MetrcPage<T>>,
  maxPages = 10_000,
): AsyncGenerator<T, void, undefined> {
  for (let pageNumber = 1; pageNumber <= maxPages; pageNumber++) {
    const page = await fetchPage(pageNumber);
    yield* page.data;
    if (page.data.length === 0 || page.currentPage >= page.totalPages) return;
  }
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * Every row, newest pages first: page 1 (which says how many there are), then the last page down
 * to page 2, each page's rows in reverse. METRC lists in posted order, so a search for something
 * recent ends after two or three requests instead of paging through the whole window; a search
 * that finds nothing still sees every row.
 */
export async function* paginateNewestFirst<T>(
  fetchPage: (pageNumber: number) => Promise<MetrcPage<T>>,
  maxPages = 10_000,
): AsyncGenerator<T, void, undefined> {
  const first = await fetchPage(1);
  const last = Math.min(first.totalPages, maxPages);
  for (let pageNumber = last; pageNumber >= 2; pageNumber--) {
    const page = await fetchPage(pageNumber);
    yield* [...page.data].reverse();
  }
  yield* [...first.data].reverse();
}
