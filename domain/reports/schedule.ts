/**
 * A scheduled report (issue 17): when (a five-field cron expression read in an IANA time zone,
 * as Temporal's Schedule spec takes it) and what (a report request whose dates are relative: the
 * `days` local days before the run). Pure: the service stores it, the activity dates each run.
 */
import { isTimeZone } from '../notifications/preferences.js';
import { validateReportRequest, type FieldProblem, type ReportParams } from './request.js';
import type { ReportFormat, SalesPeriod } from './types.js';

/** How a run reaches the owner: a link, or the file attached when small enough (a link above the limit). */
export type ReportDelivery = 'link' | 'attachment';

export interface ReportScheduleRequest {
  name: string;
  cron: string;
  timezone: string;
  delivery?: ReportDelivery;
  report: { type: string; format?: ReportFormat; period?: SalesPeriod; bom?: boolean; days?: number };
}

/** A change to a schedule (PATCH): any of these; what it runs stays. */
export interface ReportScheduleChangeRequest {
  name?: string;
  cron?: string;
  timezone?: string;
  paused?: boolean;
  delivery?: ReportDelivery;
}

/** What a schedule keeps of its report: the request without dates, and how many days back each run covers. */
export interface ScheduledReport {
  type: string;
  format?: ReportFormat;
  period?: SalesPeriod;
  bom?: boolean;
  days: number;
}

// minute hour day-of-month month day-of-week; names (MON, JAN) and steps allowed, nothing else.
const FIELD = /^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?)*$/;
const LIMITS: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];

/** A cron expression Temporal will accept: five fields, numbers within each field's range. */
export function cronProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return 'five fields: minute hour day-of-month month day-of-week (e.g. "0 7 * * MON")';
  for (const [i, f] of fields.entries()) {
    if (!FIELD.test(f)) return `field ${i + 1} ("${f}") is not a cron field`;
    for (const n of f.match(/(?<![/0-9])[0-9]+/g) ?? []) {
      const [lo, hi] = LIMITS[i]!;
      if (Number(n) < lo || Number(n) > hi) return `field ${i + 1} ("${f}"): ${n} is outside ${lo}-${hi}`;
    }
  }
  return null;
}

export const MAX_SCHEDULE_DAYS = 366;

/** The local date `days` before `now` in `timezone` (YYYY-MM-DD). */
export function localDateBefore(now: Date, timezone: string, days: number): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/** One run's report: the `days` whole local days before the run (yesterday back), in the schedule's zone. */
export function runParams(report: ScheduledReport, timezone: string, now: Date, limits: { maxRangeDays: number }) {
  return validateReportRequest(
    { type: report.type, ...(report.format ? { format: report.format } : {}), ...(report.period ? { period: report.period } : {}), ...(report.bom !== undefined ? { bom: report.bom } : {}), timezone, from: localDateBefore(now, timezone, report.days), to: localDateBefore(now, timezone, 1) },
    limits,
  );
}

export function validateScheduleRequest(
  req: ReportScheduleRequest,
  limits: { maxRangeDays: number },
  now = new Date(),
): { schedule: { name: string; cron: string; timezone: string; delivery: ReportDelivery; report: ScheduledReport; params: ReportParams } } | { problem: FieldProblem } {
  if (!req.name?.trim()) return { problem: { field: 'name', issue: 'required' } };
  const cronIssue = cronProblem(req.cron ?? '');
  if (cronIssue) return { problem: { field: 'cron', issue: cronIssue } };
  const timezone = canonicalZone(req.timezone);
  if (!timezone) return { problem: { field: 'timezone', issue: 'not an IANA time zone (e.g. America/Denver)' } };
  const days = req.report?.days ?? 7;
  if (!Number.isInteger(days) || days < 1 || days > Math.min(MAX_SCHEDULE_DAYS, limits.maxRangeDays)) {
    return { problem: { field: 'report.days', issue: `a whole number of days from 1 to ${Math.min(MAX_SCHEDULE_DAYS, limits.maxRangeDays)}` } };
  }
  const report: ScheduledReport = { type: req.report.type, ...(req.report.format ? { format: req.report.format } : {}), ...(req.report.period ? { period: req.report.period } : {}), ...(req.report.bom !== undefined ? { bom: req.report.bom } : {}), days };
  // The first run's request, checked now so a schedule that could never run is refused at once.
  const checked = runParams(report, timezone, now, limits);
  if ('problem' in checked) return { problem: { field: `report.${checked.problem.field}`, issue: checked.problem.issue } };
  return { schedule: { name: req.name.trim(), cron: req.cron.trim().split(/\s+/).join(' '), timezone, delivery: req.delivery ?? 'link', report, params: checked.params } };
}

/** The canonical spelling of an IANA zone ("europe/berlin" → "Europe/Berlin"); null when it is not one. */
function canonicalZone(tz: unknown): string | null {
  if (typeof tz !== 'string' || !isTimeZone(tz)) return null;
  return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
}

export function validateScheduleChange(req: ReportScheduleChangeRequest): { change: ReportScheduleChangeRequest } | { problem: FieldProblem } {
  const change: ReportScheduleChangeRequest = {};
  if (req.name !== undefined) {
    if (!req.name.trim()) return { problem: { field: 'name', issue: 'required' } };
    change.name = req.name.trim();
  }
  if (req.cron !== undefined) {
    const issue = cronProblem(req.cron);
    if (issue) return { problem: { field: 'cron', issue } };
    change.cron = req.cron.trim().split(/\s+/).join(' ');
  }
  if (req.timezone !== undefined) {
    const zone = canonicalZone(req.timezone);
    if (!zone) return { problem: { field: 'timezone', issue: 'not an IANA time zone (e.g. America/Denver)' } };
    change.timezone = zone;
  }
  if (req.paused !== undefined) change.paused = req.paused;
  if (req.delivery !== undefined) change.delivery = req.delivery;
  return { change };
}
