/**
 * The numbers of a finished report, for the Reports page's charts: the CSV file the report
 * workflow wrote (the same rows a person would download) parsed and summed per period (sales) or
 * per lifecycle step (fulfilment percentiles). Pure; the page fetches the file.
 */

/**
 * RFC 4180 records (quoted fields with commas, quotes and newlines; a leading BOM). A file with
 * CRLF record ends, as the report writer's, keeps a bare LF as part of its field (the writer
 * leaves such a field unquoted); a file without any CRLF ends records at LF.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const crlf = s.includes('\r\n');
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (crlf ? c === '\r' && s[i + 1] === '\n' : c === '\n') {
      if (crlf) i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) row.push(field), rows.push(row);
  return rows;
}

/** Rows as objects keyed by the header row's names. */
export function records(text: string): Array<Record<string, string>> {
  const [head, ...rows] = parseCsv(text);
  if (!head) return [];
  return rows.filter((r) => r.length > 1 || r[0]).map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}

export interface SalesPoint {
  period: string;
  orders: number;
  units: number;
  /** In major units of the currency (cents / 100). */
  revenue: number;
}

/** Sales per period, summed over wholesalers, retailers and products, oldest first. */
export function salesOverTime(text: string): { points: SalesPoint[]; currency: string } {
  const by = new Map<string, SalesPoint>();
  let currency = '';
  for (const r of records(text)) {
    const p = by.get(r.period!) ?? { period: r.period!, orders: 0, units: 0, revenue: 0 };
    // A period's orders are counted per product line; the distinct count is not in the file, so
    // "orders" here is order lines, as in the report.
    p.orders += Number(r.orders) || 0;
    p.units += Number(r.units) || 0;
    p.revenue += (Number(r.revenue_minor) || 0) / 100;
    by.set(p.period, p);
    currency ||= r.currency ?? '';
  }
  const points = [...by.values()].sort((a, b) => a.period.localeCompare(b.period));
  for (const p of points) p.revenue = Math.round(p.revenue * 100) / 100;
  return { points, currency };
}

export interface FulfilmentStep {
  segment: string;
  orders: number;
  /** Hours, one decimal. */
  p50: number;
  p90: number;
  p95: number;
}

const hours = (seconds: string | undefined) => Math.round((Number(seconds) / 3600) * 10) / 10;

/** Fulfilment percentiles per step for each wholesaler in the file (name → steps in report order). */
export function fulfilmentPercentiles(text: string): Map<string, FulfilmentStep[]> {
  const out = new Map<string, FulfilmentStep[]>();
  for (const r of records(text)) {
    if (r.p50_seconds === '' || r.p50_seconds === undefined) continue; // a step no order reached
    const name = r.wholesaler || r.wholesaler_id || '—';
    out.set(name, [...(out.get(name) ?? []), { segment: r.segment!, orders: Number(r.orders) || 0, p50: hours(r.p50_seconds), p90: hours(r.p90_seconds), p95: hours(r.p95_seconds) }]);
  }
  return out;
}

export const SEGMENT_LABELS: Record<string, string> = {
  submitted_to_accepted: 'Submitted → accepted',
  accepted_to_shipped: 'Accepted → shipped',
  shipped_to_delivered: 'Shipped → delivered',
  submitted_to_delivered: 'Submitted → delivered',
};
