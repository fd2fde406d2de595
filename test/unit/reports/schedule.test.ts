import { describe, expect, it } from 'vitest';
import { cronProblem, localDateBefore, runParams, validateScheduleRequest } from '../../../domain/reports/schedule.js';

describe('report schedules', () => {
  it('accepts five-field cron expressions and names what is wrong with others', () => {
    for (const ok of ['0 7 * * MON', '30 6 * * *', '0 7 1 * *', '*/15 8-18 * * 1-5', '0 0 1,15 JAN-JUN SUN']) expect(cronProblem(ok), ok).toBeNull();
    expect(cronProblem('0 7 * *')).toMatch(/five fields/);
    expect(cronProblem('0 25 * * MON')).toMatch(/25 is outside 0-23/);
    expect(cronProblem('60 7 * * *')).toMatch(/outside 0-59/);
    expect(cronProblem('0 7 * * MON; rm')).not.toBeNull();
  });

  it('dates a run by the local calendar of the schedule’s zone', () => {
    // 23:30 UTC on 5 Dec is already 6 Dec in Berlin, still 5 Dec in Denver.
    const now = new Date('2026-12-05T23:30:00Z');
    expect(localDateBefore(now, 'Europe/Berlin', 1)).toBe('2026-12-05');
    expect(localDateBefore(now, 'America/Denver', 1)).toBe('2026-12-04');
    const run = runParams({ type: 'sales', days: 7 }, 'Europe/Berlin', now, { maxRangeDays: 31 });
    expect(run).toEqual({ params: expect.objectContaining({ from: '2026-11-29', to: '2026-12-05', timezone: 'Europe/Berlin' }) });
  });

  it('refuses an unknown zone, a bad cron, an unknown type or too many days, naming the field', () => {
    const base = { name: 'x', cron: '0 7 * * MON', timezone: 'Europe/Berlin', report: { type: 'sales' } };
    const field = (r: ReturnType<typeof validateScheduleRequest>) => ('problem' in r ? r.problem.field : null);
    expect(field(validateScheduleRequest(base, { maxRangeDays: 31 }))).toBeNull();
    expect(field(validateScheduleRequest({ ...base, timezone: 'Nowhere/Else' }, { maxRangeDays: 31 }))).toBe('timezone');
    expect(field(validateScheduleRequest({ ...base, cron: 'daily' }, { maxRangeDays: 31 }))).toBe('cron');
    expect(field(validateScheduleRequest({ ...base, report: { type: 'gossip' } }, { maxRangeDays: 31 }))).toBe('report.type');
    expect(field(validateScheduleRequest({ ...base, report: { type: 'sales', days: 40 } }, { maxRangeDays: 31 }))).toBe('report.days');
  });
});
