/**
 * Calendar arithmetic in a report's time zone: a local date's midnight as a UTC instant, and the
 * sales periods (day, ISO week from Monday, month) a range falls into. The database compares
 * UTC instants only, so it needs no time zone tables.
 */
import type { SalesPeriod } from './types.js';

const DAY_MS = 86_400_000;

/** How far `tz`'s wall clock is ahead of UTC at `instantMs`. */
function offsetMs(instantMs: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instantMs));
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(instantMs / 1000) * 1000;
}

/** The UTC instant at which local date `date` (YYYY-MM-DD) begins in `tz`. */
export function localMidnight(date: string, tz: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`);
  const first = wall - offsetMs(wall, tz);
  // Once more at the guess: the offset may differ across a DST change between the two instants.
  const second = wall - offsetMs(first, tz);
  return new Date(second);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The first local date of the period holding `date`. */
export function periodStart(date: string, period: SalesPeriod): string {
  if (period === 'day') return date;
  if (period === 'month') return `${date.slice(0, 8)}01`;
  const weekday = (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
  return addDays(date, -weekday);
}

function nextPeriod(start: string, period: SalesPeriod): string {
  if (period === 'day') return addDays(start, 1);
  if (period === 'week') return addDays(start, 7);
  const [y, m] = start.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
}

export interface PeriodWindow {
  /** The period's label: its first local date (even when the range starts later in it). */
  label: string;
  /** UTC instants [from, to) of the part of the period inside the range. */
  from: Date;
  to: Date;
}

/** The periods covering local dates `from`..`to` (inclusive), each clipped to the range. */
export function periodWindows(from: string, to: string, period: SalesPeriod, tz: string): PeriodWindow[] {
  const end = addDays(to, 1);
  const windows: PeriodWindow[] = [];
  for (let label = periodStart(from, period); label < end; label = nextPeriod(label, period)) {
    const next = nextPeriod(label, period);
    const lo = label < from ? from : label;
    const hi = next > end ? end : next;
    windows.push({ label, from: localMidnight(lo, tz), to: localMidnight(hi, tz) });
  }
  return windows;
}

/** UTC instants [from, to) of local dates `from`..`to` inclusive. */
export function rangeInstants(from: string, to: string, tz: string): { from: Date; to: Date } {
  return { from: localMidnight(from, tz), to: localMidnight(addDays(to, 1), tz) };
}
