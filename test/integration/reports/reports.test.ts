/**
 * Reports end to end (issue 17): requested over HTTP, written by the report workflow on a real
 * worker, downloaded and parsed back with csv-parse (and exceljs for XLSX). Every report's numbers
 * are compared with an independent SQL computation over the same seeded rows; each tenant's
 * callers see only their own rows; bad requests are 422s naming the field.
 */
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sequelize } from 'sequelize';
import { headersFor } from '../../support/auth.js';
import { createWorld } from '../../support/fixtures.js';
import { ownQueues, startWorkers, type RunningWorkers } from '../../support/harness.js';
import { call, ordersEnv, waitFor, type Headers, type OrdersEnv, type World } from '../orders/helpers.js';
import { RANGE, seedReports, TRICKY_NAMES, type Seeded } from './seed.js';

let env: OrdersEnv;
let workers: RunningWorkers;
let other: World;
let otherOwner: Headers;
let seeded: Seeded;
let otherSeeded: Seeded;

const select = async <T>(db: Sequelize, sql: string, replacements: unknown[]) => (await db.query(sql, { replacements }))[0] as T[];

beforeAll(async () => {
  env = await ordersEnv({ queues: false, env: { ...ownQueues(), REPORT_MAX_RANGE_DAYS: '31', REPORT_PAGE_SIZE: '3' } });
  workers = await startWorkers(env.deps, { queues: ['reports'] });
  other = await createWorld(env.api.url, env.admin);
  otherOwner = await headersFor(env.deps, { role: 'owner', entityId: other.wholesaler.id });
  seeded = await seedReports(env.deps.sequelize, env.world);
  otherSeeded = await seedReports(env.deps.sequelize, other);
}, 180_000);

afterAll(async () => {
  await workers?.stop();
  await env?.close();
});

type Body = Record<string, unknown>;

/** Requests a report, waits for it, downloads it; answers the report and the file. */
async function runReport(headers: Headers, body: Body) {
  const created = await call(env, headers, 'POST', '/reports', body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const report = await waitFor('the report', async () => {
    const r = await call(env, headers, 'GET', `/reports/${created.body.id}`);
    expect(r.status).toBe(200);
    expect(['queued', 'running', 'succeeded']).toContain(r.body.status);
    return r.body.status === 'succeeded' && r.body;
  });
  const res = await fetch(`${env.api.url}${report.file.download_url}`, { headers });
  expect(res.status).toBe(200);
  const file = Buffer.from(await res.arrayBuffer());
  expect(file.length).toBe(report.file.bytes);
  return { report, file, contentType: res.headers.get('content-type'), disposition: res.headers.get('content-disposition') };
}

const csvRows = (file: Buffer): string[][] => parse(file, { bom: true, relax_column_count: false }) as string[][];

async function csvReport(headers: Headers, body: Body) {
  const { report, file } = await runReport(headers, { format: 'csv', ...body });
  const [header, ...rows] = csvRows(file);
  return { report, header: header!, rows, file };
}

const sortRows = (rows: unknown[][]) => rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c)))).sort((a, b) => a.join('|').localeCompare(b.join('|')));
const pick = (header: string[], rows: string[][], cols: string[]) => rows.map((r) => cols.map((c) => r[header.indexOf(c)]!));

/** Denver's UTC offset over the seeded range: MST until 2025-03-09 09:00 UTC, MDT after. */
const DENVER_LOCAL = `(CASE WHEN o.created_at >= '2025-03-09 09:00:00' THEN o.created_at - INTERVAL 6 HOUR ELSE o.created_at - INTERVAL 7 HOUR END)`;
const DENVER_RANGE = { from: '2025-03-07 07:00:00', to: '2025-03-12 06:00:00' };

async function expectedSales(db: Sequelize, entityId: string | null) {
  return select<Record<string, unknown>>(
    db,
    `SELECT DATE_FORMAT(${DENVER_LOCAL}, '%Y-%m-%d') AS period, o.wholesaler_id, o.retailer_id, oi.product_id,
            COUNT(DISTINCT o.id) AS orders, SUM(oi.quantity) AS units, SUM(oi.line_total_minor) AS revenue
       FROM orders o JOIN order_items oi ON oi.order_id = o.id
      WHERE o.status IN ('submitted', 'accepted', 'fulfilled', 'shipped', 'delivered', 'completed')
        AND o.created_at >= ? AND o.created_at < ? AND (? IS NULL OR o.retailer_id = ? OR o.wholesaler_id = ?)
      GROUP BY period, o.wholesaler_id, o.retailer_id, oi.product_id`,
    [DENVER_RANGE.from, DENVER_RANGE.to, entityId, entityId, entityId],
  );
}

describe('sales report', () => {
  it('has the numbers of an independent SQL computation, per local day in the report time zone, and parses back', async () => {
    const { header, rows, report } = await csvReport(env.wholesaler, { type: 'sales', ...RANGE, timezone: 'America/Denver', period: 'day' });
    const expected = await expectedSales(env.deps.sequelize, env.world.wholesaler.id);
    expect(rows.length).toBeGreaterThan(3);
    expect(sortRows(pick(header, rows, ['period', 'wholesaler_id', 'retailer_id', 'product_id', 'orders', 'units', 'revenue_minor']))).toEqual(
      sortRows(expected.map((e) => [e.period, e.wholesaler_id, e.retailer_id, e.product_id, Number(e.orders), Number(e.units), Number(e.revenue)])),
    );
    // Product names with commas, quotes, line breaks and non-ASCII come back exactly.
    const names = new Set(pick(header, rows, ['product']).map(([n]) => n));
    for (const n of TRICKY_NAMES) expect(names).toContain(`${n} ${env.world.tag}`);
    expect(report.progress).toEqual({ rows_done: rows.length, rows_total: rows.length, percent: 100 });
    expect(report.params).toMatchObject({ ...RANGE, timezone: 'America/Denver', period: 'day', bom: false });
  });

  it('sums the days into weeks and months without losing a unit', async () => {
    const day = await csvReport(env.wholesaler, { type: 'sales', ...RANGE, timezone: 'America/Denver' });
    const week = await csvReport(env.wholesaler, { type: 'sales', ...RANGE, timezone: 'America/Denver', period: 'week' });
    const units = (r: { header: string[]; rows: string[][] }) => r.rows.reduce((s, row) => s + Number(row[r.header.indexOf('units')]), 0);
    expect(units(week)).toBe(units(day));
    // 2025-03-07 is a Friday: its ISO week starts on Monday 2025-03-03; 03-10 starts the next.
    expect(new Set(pick(week.header, week.rows, ['period']).map(([p]) => p))).toEqual(new Set(['2025-03-03', '2025-03-10']));
  });

  it('starts with a UTF-8 BOM only when asked, and writes CRLF records', async () => {
    const plain = await csvReport(env.wholesaler, { type: 'sales', ...RANGE });
    const bom = await csvReport(env.wholesaler, { type: 'sales', ...RANGE, bom: true });
    expect([...bom.file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(plain.file[0]).not.toBe(0xef);
    expect(plain.file.toString('utf8').startsWith('period,wholesaler_id,')).toBe(true);
    expect(plain.file.toString('utf8')).toContain('\r\n');
    expect(bom.rows).toEqual(plain.rows);
  });

  it('writes the same rows as XLSX', async () => {
    const csv = await csvReport(env.wholesaler, { type: 'sales', ...RANGE, timezone: 'America/Denver' });
    const { file, contentType, disposition } = await runReport(env.wholesaler, { type: 'sales', ...RANGE, timezone: 'America/Denver', format: 'xlsx' });
    expect(contentType).toContain('spreadsheetml');
    expect(disposition).toMatch(/^attachment; filename="?[\w.-]+\.xlsx"?$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    const rows: string[][] = [];
    sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v)))));
    expect(rows[0]).toEqual(csv.header);
    expect(sortRows(rows.slice(1))).toEqual(sortRows(csv.rows));
  });
});

describe('fulfilment times', () => {
  it('gives nearest-rank percentiles equal to a window-function computation over the order events', async () => {
    const { header, rows } = await csvReport(env.retailer, { type: 'fulfilment_times', ...RANGE, timezone: 'America/Denver' });
    const segments: Record<string, [string, string]> = {
      submitted_to_accepted: ['o.created_at', "(SELECT MIN(e.occurred_at) FROM order_events e WHERE e.order_id = o.id AND e.to_status = 'accepted')"],
      accepted_to_shipped: ["(SELECT MIN(e.occurred_at) FROM order_events e WHERE e.order_id = o.id AND e.to_status = 'accepted')", "(SELECT MIN(e.occurred_at) FROM order_events e WHERE e.order_id = o.id AND e.to_status = 'shipped')"],
      shipped_to_delivered: ["(SELECT MIN(e.occurred_at) FROM order_events e WHERE e.order_id = o.id AND e.to_status = 'shipped')", "(SELECT MIN(e.occurred_at) FROM order_events e WHERE e.order_id = o.id AND e.to_status = 'delivered')"],
      submitted_to_delivered: ['o.created_at', "(SELECT MIN(e.occurred_at) FROM order_events e WHERE e.order_id = o.id AND e.to_status = 'delivered')"],
    };
    const expected: string[][] = [];
    for (const [segment, [a, b]] of Object.entries(segments)) {
      const [r] = await select<Record<string, unknown>>(
        env.deps.sequelize,
        `WITH d AS (SELECT TIMESTAMPDIFF(MICROSECOND, ${a}, ${b}) / 1000000 AS s FROM orders o
                     WHERE o.retailer_id = ? AND o.status NOT IN ('rejected', 'expired', 'cancelled') AND o.created_at >= ? AND o.created_at < ?),
              r AS (SELECT s, ROW_NUMBER() OVER (ORDER BY s) AS rn, COUNT(*) OVER () AS n FROM d WHERE s IS NOT NULL)
         SELECT COUNT(*) AS n, MIN(CASE WHEN rn >= CEIL(0.5 * n) THEN s END) AS p50, MIN(CASE WHEN rn >= CEIL(0.9 * n) THEN s END) AS p90,
                MIN(CASE WHEN rn >= CEIL(0.95 * n) THEN s END) AS p95, MAX(s) AS mx FROM r`,
        [env.world.retailer.id, DENVER_RANGE.from, DENVER_RANGE.to],
      );
      const n = (v: unknown) => (v === null ? '' : String(Number(v)));
      expected.push([env.world.wholesaler.id, segment, String(Number(r!.n)), n(r!.p50), n(r!.p90), n(r!.p95), n(r!.mx)]);
    }
    expect(sortRows(pick(header, rows, ['wholesaler_id', 'segment', 'orders', 'p50_seconds', 'p90_seconds', 'p95_seconds', 'max_seconds']))).toEqual(sortRows(expected));
    expect(Number(rows.find((r) => r[2] === 'submitted_to_accepted')![3])).toBeGreaterThan(3);
  });
});

describe('METRC compliance log', () => {
  it('lists every submission of the tenant\'s licences with attempts, outcome, time to success and open failures', async () => {
    const { header, rows } = await csvReport(env.wholesaler, { type: 'metrc_compliance', ...RANGE, timezone: 'America/Denver' });
    const expected = await select<Record<string, unknown>>(
      env.deps.sequelize,
      `SELECT s.id, COUNT(a.id) AS attempts, s.status, TIMESTAMPDIFF(MICROSECOND, s.created_at, s.succeeded_at) / 1000000 AS secs,
              s.status IN ('failed', 'parked') AS open_failure, s.failure_reason
         FROM metrc_submissions s LEFT JOIN metrc_submission_attempts a ON a.submission_id = s.id
        WHERE s.license_number IN (?, ?, ?) AND s.created_at >= ? AND s.created_at < ?
        GROUP BY s.id, s.status, s.created_at, s.succeeded_at, s.failure_reason`,
      [env.world.wholesaler.license_number, env.world.warehouse.license_number, env.world.store.license_number, DENVER_RANGE.from, DENVER_RANGE.to],
    );
    // The first seeded submission (03:30 UTC on the 7th) is still the 6th in Denver: outside.
    expect(expected.length).toBe(3);
    expect(sortRows(pick(header, rows, ['submission_id', 'attempts', 'status', 'seconds_to_success', 'open_failure', 'last_error']))).toEqual(
      sortRows(expected.map((e) => [e.id, Number(e.attempts), e.status, e.secs === null ? '' : Number(e.secs), Number(e.open_failure) ? 'true' : 'false', e.failure_reason ?? ''])),
    );
  });
});

describe('inventory valuation', () => {
  it('values each stock row at its variant price and totals like SQL does', async () => {
    const { header, rows } = await csvReport(env.wholesaler, { type: 'inventory_valuation' });
    const [sum] = await select<{ value: string; n: number }>(
      env.deps.sequelize,
      'SELECT SUM(i.quantity_on_hand * v.price_minor) AS value, COUNT(*) AS n FROM inventory i JOIN product_variants v ON v.id = i.variant_id WHERE i.entity_id = ?',
      [env.world.wholesaler.id],
    );
    expect(rows.length).toBe(Number(sum!.n));
    expect(rows.reduce((s, r) => s + Number(r[header.indexOf('value_minor')]), 0)).toBe(Number(sum!.value));
  });
});

describe('POS sync history', () => {
  it('lists the tenant\'s runs in the range with their counts', async () => {
    const { header, rows } = await csvReport(env.wholesaler, { type: 'pos_sync_history', ...RANGE, timezone: 'America/Denver' });
    const expected = await select<Record<string, unknown>>(
      env.deps.sequelize,
      'SELECT id, status, fetched, error FROM sync_runs WHERE entity_id = ? AND started_at >= ? AND started_at < ?',
      [env.world.wholesaler.id, DENVER_RANGE.from, DENVER_RANGE.to],
    );
    expect(expected.length).toBe(2);
    expect(sortRows(pick(header, rows, ['run_id', 'status', 'fetched', 'error']))).toEqual(sortRows(expected.map((e) => [e.id, e.status, Number(e.fetched), e.error ?? ''])));
  });
});

describe('tenancy', () => {
  const TYPES = ['sales', 'fulfilment_times', 'metrc_compliance', 'inventory_valuation', 'pos_sync_history'] as const;

  it('every report type holds only the caller\'s rows; staff see both tenants', async () => {
    const mine = new Set([env.world.wholesaler.id, env.world.retailer.id, env.world.warehouse.id, env.world.store.id, env.world.wholesaler.license_number, env.world.warehouse.license_number, seeded.connectionId]);
    const theirs = [other.wholesaler.id, other.retailer.id, other.warehouse.id, other.store.id, other.warehouse.license_number, `${TRICKY_NAMES[2]} ${other.tag}`];
    for (const type of TYPES) {
      for (const [who, headers] of [['A wholesaler', env.wholesaler], ['A retailer', env.retailer]] as const) {
        const { rows, file } = await csvReport(headers, { type, ...RANGE });
        const text = file.toString('utf8');
        for (const t of theirs) expect(text, `${type} as ${who} names ${t}`).not.toContain(t);
        // Each row names one of the caller's own objects (retailers hold no stock, runs or licences here).
        for (const r of rows) expect(r.some((c) => mine.has(c)), `${type} as ${who}: ${r.join(',')}`).toBe(true);
      }
      const staff = await csvReport(env.compliance, { type, ...RANGE });
      const text = staff.file.toString('utf8');
      const theirObject = { metrc_compliance: other.warehouse.license_number, inventory_valuation: other.warehouse.id, pos_sync_history: otherSeeded.connectionId }[type as string] ?? other.wholesaler.id;
      expect(text, `${type} as staff`).toContain(theirObject);
    }
  }, 300_000);

  it('another tenant\'s report is a 404 to read, download or cancel, and absent from its list', async () => {
    const created = await call(env, env.wholesaler, 'POST', '/reports', { type: 'inventory_valuation' });
    expect(created.status).toBe(201);
    for (const path of [`/reports/${created.body.id}`, `/reports/${created.body.id}/download`]) expect((await call(env, otherOwner, 'GET', path)).status).toBe(404);
    expect((await call(env, otherOwner, 'POST', `/reports/${created.body.id}/cancel`)).status).toBe(404);
    const theirs = await call(env, otherOwner, 'GET', '/reports?limit=200');
    expect(theirs.status).toBe(200);
    expect(theirs.body.data.map((r: { id: string }) => r.id)).not.toContain(created.body.id);
    expect(theirs.body.data.every((r: { entity_id: string }) => r.entity_id === other.wholesaler.id)).toBe(true);
    const staff = await call(env, env.compliance, 'GET', `/reports/${created.body.id}`);
    expect(staff.status).toBe(200);
  });
});

describe('bad input', () => {
  const cases: Array<[string, Body, string]> = [
    ['an unknown type', { type: 'salez', ...RANGE }, 'type'],
    ['a reversed range', { type: 'sales', from: '2025-03-11', to: '2025-03-07' }, 'to'],
    ['a range over the maximum (31 days here)', { type: 'sales', from: '2025-01-01', to: '2025-02-01' }, 'to'],
    ['an unknown time zone', { type: 'sales', ...RANGE, timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    ['a ranged report without its range', { type: 'sales' }, 'from'],
  ];
  for (const [what, body, field] of cases) {
    it(`answers ${what} with a 422 naming ${field}`, async () => {
      const r = await call(env, env.wholesaler, 'POST', '/reports', body);
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ code: 'UNPROCESSABLE_ENTITY', details: { field } });
    });
  }

  it('refuses a malformed date or an unknown field by the spec, naming it', async () => {
    const bad = await call(env, env.wholesaler, 'POST', '/reports', { type: 'sales', from: '2025-02-30', to: '2025-03-01' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('from');
    const extra = await call(env, env.wholesaler, 'POST', '/reports', { type: 'sales', ...RANGE, entity_id: other.wholesaler.id });
    expect(extra.status).toBe(400);
  });

  it('answers 409 to downloading a report that is not ready and to cancelling a finished one', async () => {
    const { report } = await runReport(env.wholesaler, { type: 'inventory_valuation' });
    expect((await call(env, env.wholesaler, 'POST', `/reports/${report.id}/cancel`)).status).toBe(409);
  });
});

describe('cancel', () => {
  it('stops a queued report: it reads cancelled, keeps no file, and cannot be downloaded', async () => {
    // No worker on the reports queue: the report waits, queued, until one comes.
    await workers.stop();
    const created = await call(env, env.wholesaler, 'POST', '/reports', { type: 'sales', ...RANGE });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('queued');
    const cancelled = await call(env, env.wholesaler, 'POST', `/reports/${created.body.id}/cancel`);
    expect(cancelled.status).toBe(202);
    workers = await startWorkers(env.deps, { queues: ['reports'] });
    const report = await waitFor('the report to end', async () => {
      const r = await call(env, env.wholesaler, 'GET', `/reports/${created.body.id}`);
      return r.body.status !== 'queued' && r.body.status !== 'running' && r.body;
    });
    expect(report).toMatchObject({ status: 'cancelled', file: null });
    expect((await call(env, env.wholesaler, 'GET', `/reports/${created.body.id}/download`)).status).toBe(409);
    const [[{ n }]] = (await env.deps.sequelize.query('SELECT COUNT(*) AS n FROM report_chunks WHERE report_id = ?', { replacements: [created.body.id] })) as unknown as [[{ n: number }]];
    expect(Number(n)).toBe(0);
  }, 120_000);
});
