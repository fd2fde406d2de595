/**
 * Reports (issue 17): what may be asked for and what each kind of report writes. Pure: the API
 * validates requests with it, the report activities take their columns from it.
 */
export const REPORT_TYPES = ['sales', 'fulfilment_times', 'metrc_compliance', 'inventory_valuation', 'pos_sync_history'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export const REPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export const REPORT_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];
export const isFinished = (s: ReportStatus): boolean => s !== 'queued' && s !== 'running';

export const SALES_PERIODS = ['day', 'week', 'month'] as const;
export type SalesPeriod = (typeof SALES_PERIODS)[number];

export const isReportType = (v: unknown): v is ReportType => typeof v === 'string' && (REPORT_TYPES as readonly string[]).includes(v);

/** Types that cover a date range (the inventory report is a snapshot of now). */
export const RANGED_TYPES: readonly ReportType[] = ['sales', 'fulfilment_times', 'metrc_compliance', 'pos_sync_history'];

/** The header row of each report, in column order; rows are arrays in the same order. */
export const REPORT_COLUMNS: Record<ReportType, readonly string[]> = {
  sales: ['period', 'wholesaler_id', 'wholesaler', 'retailer_id', 'retailer', 'product_id', 'product', 'orders', 'units', 'revenue_minor', 'currency'],
  fulfilment_times: ['wholesaler_id', 'wholesaler', 'segment', 'orders', 'p50_seconds', 'p90_seconds', 'p95_seconds', 'max_seconds'],
  metrc_compliance: [
    'submission_id', 'kind', 'license_number', 'natural_key', 'order_number', 'status', 'attempts', 'last_outcome',
    'created_at', 'first_attempt_at', 'succeeded_at', 'seconds_to_success', 'open_failure', 'last_error',
  ],
  inventory_valuation: ['location_id', 'location', 'product_id', 'product', 'sku', 'variant', 'quantity_on_hand', 'quantity_reserved', 'quantity_available', 'unit_price_minor', 'value_minor', 'currency'],
  pos_sync_history: ['run_id', 'connection_id', 'vendor', 'location', 'status', 'mode', 'started_at', 'finished_at', 'duration_ms', 'fetched', 'created', 'updated', 'unchanged', 'zeroed', 'item_errors', 'error'],
};

/** The order lifecycle steps whose durations the fulfilment report measures, in order. */
export const FULFILMENT_SEGMENTS = ['submitted_to_accepted', 'accepted_to_shipped', 'shipped_to_delivered', 'submitted_to_delivered'] as const;
export type FulfilmentSegment = (typeof FULFILMENT_SEGMENTS)[number];

export type Cell = string | number | boolean | null;
