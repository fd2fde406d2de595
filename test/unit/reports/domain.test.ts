import { describe, expect, it } from 'vitest';
import { addSteps, emptySegmentSeconds, fulfilmentRows, fulfilmentRowsOf } from '../../../domain/reports/fulfilment.js';
import { nearestRank } from '../../../domain/reports/percentiles.js';
import { localMidnight, periodWindows } from '../../../domain/reports/periods.js';
import { validateReportRequest } from '../../../domain/reports/request.js';

const limits = { maxRangeDays: 31 };

describe('report requests', () => {
  it('names the field of each refusal', () => {
    const problem = (r: Parameters<typeof validateReportRequest>[0]) => {
      const checked = validateReportRequest(r, limits);
      return 'problem' in checked ? checked.problem.field : undefined;
    };
    expect(problem({ type: 'salez', from: '2025-01-01', to: '2025-01-02' })).toBe('type');
    expect(problem({ type: 'sales', from: '2025-01-02', to: '2025-01-01' })).toBe('to');
    expect(problem({ type: 'sales', from: '2025-01-01', to: '2025-02-01' })).toBe('to');
    expect(problem({ type: 'sales', from: '2025-01-01', to: '2025-01-31' })).toBeUndefined();
    expect(problem({ type: 'sales', from: '2025-01-01', to: '2025-01-02', timezone: 'Nowhere/Land' })).toBe('timezone');
    expect(problem({ type: 'sales', to: '2025-01-02' })).toBe('from');
    expect(problem({ type: 'inventory_valuation' })).toBeUndefined();
    // Odd spellings: types are exact names; a zone in the wrong case is still that zone, an offset is not one.
    expect(problem({ type: 'SALES', from: '2025-01-01', to: '2025-01-02' })).toBe('type');
    expect(problem({ type: ' sales', from: '2025-01-01', to: '2025-01-02' })).toBe('type');
    expect(problem({ type: 'sales', from: '2025-01-01', to: '2025-01-02', timezone: '+05:30' })).toBe('timezone');
    const lower = validateReportRequest({ type: 'sales', from: '2025-01-01', to: '2025-01-02', timezone: 'america/denver' }, limits);
    expect('params' in lower && lower.params.timezone).toBe('America/Denver');
  });

  it('fills defaults and spells the time zone as the runtime does', () => {
    const r = validateReportRequest({ type: 'sales', from: '2025-01-01', to: '2025-01-01', timezone: 'utc' }, limits);
    expect(r).toEqual({ params: { type: 'sales', format: 'csv', from: '2025-01-01', to: '2025-01-01', timezone: 'UTC', period: 'day', bom: false } });
  });
});

describe('periods in a time zone', () => {
  it('finds local midnight on both sides of a DST change', () => {
    expect(localMidnight('2025-03-08', 'America/Denver').toISOString()).toBe('2025-03-08T07:00:00.000Z');
    expect(localMidnight('2025-03-10', 'America/Denver').toISOString()).toBe('2025-03-10T06:00:00.000Z');
    expect(localMidnight('2025-06-01', 'Asia/Kolkata').toISOString()).toBe('2025-05-31T18:30:00.000Z');
  });

  it('cuts weeks on Mondays and months on the 1st, clipped to the range', () => {
    const weeks = periodWindows('2025-03-07', '2025-03-11', 'week', 'UTC');
    expect(weeks.map((w) => [w.label, w.from.toISOString(), w.to.toISOString()])).toEqual([
      ['2025-03-03', '2025-03-07T00:00:00.000Z', '2025-03-10T00:00:00.000Z'],
      ['2025-03-10', '2025-03-10T00:00:00.000Z', '2025-03-12T00:00:00.000Z'],
    ]);
    expect(periodWindows('2025-01-15', '2025-03-02', 'month', 'UTC').map((w) => w.label)).toEqual(['2025-01-01', '2025-02-01', '2025-03-01']);
    expect(periodWindows('2025-01-30', '2025-02-02', 'day', 'UTC')).toHaveLength(4);
  });
});

describe('percentiles', () => {
  it('are nearest-rank: always an observed value', () => {
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([nearestRank(v, 50), nearestRank(v, 90), nearestRank(v, 95), nearestRank(v, 100)]).toEqual([5, 9, 10, 10]);
    expect(nearestRank([], 50)).toBeNull();
    expect(nearestRank([42], 1)).toBe(42);
  });

  it('leave out orders that did not reach both ends of a step', () => {
    const t = (s: number) => new Date(s * 1000);
    const rows = fulfilmentRows(['w'], [
      { wholesalerId: 'w', wholesaler: 'W', submitted: t(0), accepted: t(10), shipped: null, delivered: null },
      { wholesalerId: 'w', wholesaler: 'W', submitted: t(0), accepted: t(30), shipped: t(90), delivered: t(100) },
    ]);
    expect(rows).toEqual([
      ['w', 'W', 'submitted_to_accepted', 2, 10, 30, 30, 30],
      ['w', 'W', 'accepted_to_shipped', 1, 60, 60, 60, 60],
      ['w', 'W', 'shipped_to_delivered', 1, 10, 10, 10, 10],
      ['w', 'W', 'submitted_to_delivered', 1, 100, 100, 100, 100],
    ]);
  });

  it('are the same gathered a chunk of orders at a time, in any order, as all at once', () => {
    const t = (s: number) => new Date(s * 1000);
    const steps = Array.from({ length: 50 }, (_, i) => ({
      wholesalerId: i % 3 === 0 ? 'a' : 'b',
      wholesaler: i % 3 === 0 ? 'A' : 'B',
      submitted: t(i),
      accepted: t(i + ((i * 37) % 11) + 1),
      shipped: i % 4 === 0 ? null : t(i + 100 + ((i * 13) % 17)),
      delivered: i % 5 === 0 ? null : t(i + 1000 + ((i * 7) % 23)),
    }));
    const acc = emptySegmentSeconds();
    for (let i = steps.length; i > 0; i -= 7) addSteps(acc, steps.slice(Math.max(0, i - 7), i));
    expect(fulfilmentRowsOf(['a', 'b', 'none'], acc)).toEqual(fulfilmentRows(['a', 'b', 'none'], steps));
    expect(fulfilmentRowsOf(['none'], acc)[0]).toEqual(['none', '', 'submitted_to_accepted', 0, null, null, null, null]);
  });
});
