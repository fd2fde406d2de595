/**
 * The Reports page's charts read the report's own CSV file (written by the report workflow with
 * fast-csv): parsed back and summed per period / per step, and the schedule form's cron both ways.
 */
import { describe, expect, it } from 'vitest';
import { csvPage } from '../../../activities/reportFiles.js';
import { REPORT_COLUMNS } from '../../../domain/reports/types.js';
import { fulfilmentPercentiles, parseCsv, salesOverTime } from '../../../web/src/lib/reportCharts.js';
import { cronFor, describeCron } from '../../../web/src/lib/reportSchedules.js';

const file = async (rows: unknown[][], bom = true) => Buffer.concat([await csvPage([rows[0]!] as never, { bom }), await csvPage(rows.slice(1) as never, { bom: false })]).toString('utf8');

describe('report charts', () => {
  it('parses what the report writer writes, quotes, commas, newlines and non-ASCII included', async () => {
    const rows = [['a', 'b'], ['Grün, "Bio"', 'line one\nline two'], ['', 'x']];
    expect(parseCsv(await file(rows))).toEqual(rows);
  });

  it('sums sales per period over wholesalers, retailers and products, oldest first', async () => {
    const text = await file([
      [...REPORT_COLUMNS.sales],
      ['2026-11-02', 'w1', 'North, Inc.', 'r1', 'Shop "A"', 'p1', 'Flower', 2, 5, 12500, 'USD'],
      ['2026-11-01', 'w1', 'North, Inc.', 'r1', 'Shop "A"', 'p2', 'Edible', 1, 3, 999, 'USD'],
      ['2026-11-02', 'w2', 'South', 'r2', 'Shop B', 'p1', 'Flower', 1, 1, 2500, 'USD'],
    ]);
    expect(salesOverTime(text)).toEqual({
      currency: 'USD',
      points: [
        { period: '2026-11-01', orders: 1, units: 3, revenue: 9.99 },
        { period: '2026-11-02', orders: 3, units: 6, revenue: 150 },
      ],
    });
  });

  it('fulfilment percentiles per wholesaler and step, in hours; steps no order reached are left out', async () => {
    const text = await file([
      [...REPORT_COLUMNS.fulfilment_times],
      ['w1', 'North, Inc.', 'submitted_to_accepted', 4, 3600, 7200, 9000, 10000],
      ['w1', 'North, Inc.', 'accepted_to_shipped', 0, null, null, null, null],
      ['w2', 'South', 'submitted_to_delivered', 2, 86400, 90000, 90000, 90000],
    ]);
    const by = fulfilmentPercentiles(text);
    expect([...by.keys()]).toEqual(['North, Inc.', 'South']);
    expect(by.get('North, Inc.')).toEqual([{ segment: 'submitted_to_accepted', orders: 4, p50: 1, p90: 2, p95: 2.5 }]);
    expect(by.get('South')).toEqual([{ segment: 'submitted_to_delivered', orders: 2, p50: 24, p90: 25, p95: 25 }]);
  });

  it('schedule form: "Mondays at 07:00" is 0 7 * * MON, and back', () => {
    expect(cronFor('MON', '07:00')).toBe('0 7 * * MON');
    expect(cronFor('MON-FRI', '18:30')).toBe('30 18 * * MON-FRI');
    expect(describeCron('0 7 * * MON')).toBe('Mondays at 07:00');
    expect(describeCron('30 18 * * *')).toBe('Every day at 18:30');
    expect(describeCron('0 7 1 * *')).toBe('0 7 1 * *');
  });
});
