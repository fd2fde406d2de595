/**
 * A report request as the API receives it (the spec has already checked shapes), and the rules
 * no schema can say: a known type, a range in order and within the configured maximum, a time
 * zone that exists. Each answers with the field to name in the 422.
 */
import { isTimeZone } from '../notifications/preferences.js';
import { isReportType, RANGED_TYPES, REPORT_TYPES, SALES_PERIODS, type ReportFormat, type ReportType, type SalesPeriod } from './types.js';

export interface ReportRequest {
  type: string;
  format?: ReportFormat;
  from?: string;
  to?: string;
  timezone?: string;
  period?: SalesPeriod;
  bom?: boolean;
}

/** A request that passed validation: every default filled in. */
export interface ReportParams {
  type: ReportType;
  format: ReportFormat;
  /** Local dates, both inclusive; absent for snapshot reports. */
  from?: string;
  to?: string;
  timezone: string;
  period: SalesPeriod;
  bom: boolean;
}

export interface FieldProblem {
  field: string;
  issue: string;
}

const DAY_MS = 86_400_000;
const dayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / DAY_MS;

export function validateReportRequest(req: ReportRequest, limits: { maxRangeDays: number }): { params: ReportParams } | { problem: FieldProblem } {
  if (!isReportType(req.type)) return { problem: { field: 'type', issue: `unknown report type; one of ${REPORT_TYPES.join(', ')}` } };
  if (req.timezone !== undefined && !isTimeZone(req.timezone)) return { problem: { field: 'timezone', issue: 'not an IANA time zone (e.g. America/Denver)' } };
  // Stored as the runtime spells it ('utc' → 'UTC'), so schedules and labels agree.
  const timezone = new Intl.DateTimeFormat('en-US', { timeZone: req.timezone ?? 'UTC' }).resolvedOptions().timeZone;
  if (req.period !== undefined && !(SALES_PERIODS as readonly string[]).includes(req.period)) return { problem: { field: 'period', issue: 'one of day, week, month' } };
  const params: ReportParams = { type: req.type, format: req.format ?? 'csv', timezone, period: req.period ?? 'day', bom: req.bom ?? false };
  if (!RANGED_TYPES.includes(req.type)) return { params };
  if (!req.from) return { problem: { field: 'from', issue: 'required for this report type' } };
  if (!req.to) return { problem: { field: 'to', issue: 'required for this report type' } };
  const days = dayNumber(req.to) - dayNumber(req.from) + 1;
  if (!Number.isFinite(days)) return { problem: { field: 'from', issue: 'not a date' } };
  if (days < 1) return { problem: { field: 'to', issue: 'the range ends before it starts (to is before from)' } };
  if (days > limits.maxRangeDays) return { problem: { field: 'to', issue: `the range covers ${days} days; at most ${limits.maxRangeDays}` } };
  return { params: { ...params, from: req.from, to: req.to } };
}
