/**
 * List filters live in the URL (shareable, back/forward work); the last ones used on a page and
 * its table settings (rows per page) are remembered in localStorage, so coming back to a list
 * from the navigation shows what the person was looking at.
 */
const PREFIX = 'trellis.list.';

function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined; // storage disabled (privacy mode): the URL still works
  }
}

export type Filters = Record<string, string>;

/** The URL's filters when it has any, else the page's remembered ones. */
export function initialFilters(key: string, url: URL, names: readonly string[]): Filters {
  const fromUrl = Object.fromEntries(names.map((n) => [n, url.searchParams.get(n) ?? '']).filter(([, v]) => v !== ''));
  if (Object.keys(fromUrl).length) return fromUrl;
  try {
    const saved = JSON.parse(storage()?.getItem(PREFIX + key) ?? '{}') as unknown;
    if (!saved || typeof saved !== 'object') return {};
    return Object.fromEntries(Object.entries(saved as Record<string, unknown>).filter(([k, v]) => names.includes(k) && typeof v === 'string' && v !== '')) as Filters;
  } catch {
    return {};
  }
}

export function rememberFilters(key: string, filters: Filters): void {
  const kept = Object.fromEntries(Object.entries(filters).filter(([k, v]) => k !== 'page' && v !== ''));
  storage()?.setItem(PREFIX + key, JSON.stringify(kept));
}

/** `?a=1&b=2` for the non-empty filters (page 1 is left out). */
export function filterSearch(filters: Filters): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== '' && !(k === 'page' && v === '1')) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const PAGE_SIZES = [10, 25, 50, 100] as const;

export function pageSize(key: string, fallback = 25): number {
  const n = Number(storage()?.getItem(`${PREFIX}${key}.size`));
  return (PAGE_SIZES as readonly number[]).includes(n) ? n : fallback;
}
export function rememberPageSize(key: string, size: number): void {
  storage()?.setItem(`${PREFIX}${key}.size`, String(size));
}
