/**
 * A report worker process SIGKILLed mid-write: the write's retry, on a fresh worker, starts from
 * the cursor of the last heartbeat (not from zero), and the finished file holds every stock row
 * exactly once. Real worker process, real Temporal, real database.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { defaultPayloadConverter } from '@temporalio/common';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportActivities, type ReportCheckpoint } from '../../../activities/reports.js';
import { REPORT_WORKFLOW_TYPE, reportWorkflowId, type ReportWorkflowInput } from '../../../contracts/index.js';
import { insertReport } from '../../../db/repositories/reports.js';
import { temporalSettings } from '../../../temporal.config.js';
import { ownQueues, startWorkers, type RunningWorkers } from '../../support/harness.js';
import { FAST, ordersEnv, waitFor, type OrdersEnv } from '../orders/helpers.js';
import { spawnWorkerProcess } from '../../support/workerProcess.js';

const ROWS = 8000;
let env: OrdersEnv;
let queueEnv: Record<string, string>;
let child: ChildProcess | undefined;
let workers: RunningWorkers | undefined;

function spawnWorker(): Promise<ChildProcess> {
  return spawnWorkerProcess({ ...FAST, ...queueEnv, WORKER_QUEUES: 'reports' });
}

/** ROWS stock rows for the wholesaler: one product, ROWS/2 variants at two locations. */
async function seedStock(): Promise<void> {
  const db = env.deps.sequelize;
  const w = env.world;
  const productId = randomUUID();
  await db.query('INSERT INTO products (id, entity_id, name, category) VALUES (?, ?, ?, ?)', { replacements: [productId, w.wholesaler.id, 'Bulk, "kill" test', 'Flower'] });
  await db.query(
    `INSERT INTO locations (id, entity_id, name, address_line1, city, state, postal_code, license_number) VALUES (?, ?, 'Second', '2 Main St', 'Denver', 'CO', '80202', ?)`,
    { replacements: [randomUUID(), w.wholesaler.id, `WL2-${w.tag}`] },
  );
  const [locs] = (await db.query('SELECT id FROM locations WHERE entity_id = ?', { replacements: [w.wholesaler.id] })) as [Array<{ id: string }>, unknown];
  for (let start = 0; start < ROWS / 2; start += 500) {
    const variants = Array.from({ length: 500 }, (_, i) => ({ id: randomUUID(), sku: `K-${w.tag}-${start + i}` }));
    await db.query(`INSERT INTO product_variants (id, product_id, entity_id, sku, name, price_minor) VALUES ${variants.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`, {
      replacements: variants.flatMap((v, i) => [v.id, productId, w.wholesaler.id, v.sku, `n${i}`, 100 + i]),
    });
    const stock = variants.flatMap((v) => locs.map((l) => [randomUUID(), v.id, productId, l.id, w.wholesaler.id, 7]));
    await db.query(`INSERT INTO inventory (id, variant_id, product_id, location_id, entity_id, quantity_on_hand) VALUES ${stock.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`, { replacements: stock.flat() });
  }
}

beforeAll(async () => {
  queueEnv = ownQueues();
  env = await ordersEnv({ queues: false, env: queueEnv });
  await seedStock();
}, 180_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await workers?.stop();
  await env?.close();
});

describe('a report worker killed mid-write', () => {
  it('resumes from its last heartbeated page on a fresh worker: no row missing, none twice', async () => {
    const db = env.deps.sequelize;
    const reportId = randomUUID();
    const params = { type: 'inventory_valuation', format: 'csv', timezone: 'UTC', period: 'day', bom: false };
    await insertReport(db, { id: reportId, type: 'inventory_valuation', format: 'csv', params: JSON.stringify(params), entity_id: env.world.wholesaler.id, requested_by: 'test', schedule_id: null, workflow_id: reportWorkflowId(reportId) });
    const [counted] = (await db.query('SELECT COUNT(*) AS n FROM inventory WHERE entity_id = ?', { replacements: [env.world.wholesaler.id] }))[0] as Array<{ n: number }>;
    const expectedRows = Number(counted!.n);

    child = await spawnWorker();
    const settings = temporalSettings(env.deps.config);
    await env.client.workflow.start(REPORT_WORKFLOW_TYPE, {
      workflowId: reportWorkflowId(reportId),
      taskQueue: settings.taskQueues.reports,
      args: [{ reportId, pageSize: 5, heartbeatTimeoutMs: 3000 } satisfies ReportWorkflowInput],
    });
    // Kill once Temporal holds a heartbeat with written rows: heartbeats are throttled, so the
    // point the server keeps trails the rows_done column by up to one throttle interval.
    const handle = env.client.workflow.getHandle(reportWorkflowId(reportId));
    const heartbeated = await waitFor('a heartbeat with written rows to reach Temporal', async () => {
      const pending = (await handle.describe()).raw.pendingActivities?.[0];
      const payload = pending?.heartbeatDetails?.payloads?.[0];
      if (!payload) return false;
      const cp = defaultPayloadConverter.fromPayload<ReportCheckpoint>(payload);
      return cp.rowsDone >= 600 && cp;
    }, 90_000);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const [[mid]] = (await db.query('SELECT status, rows_done FROM reports WHERE id = ?', { replacements: [reportId] })) as [Array<{ status: string; rows_done: number }>, unknown];
    expect(mid!.status).toBe('running');
    expect(Number(mid!.rows_done)).toBeLessThan(Number(expectedRows));

    // The fresh worker's write records where it was told to start.
    const resumedFrom: Array<ReportCheckpoint | undefined> = [];
    const real = createReportActivities({ config: env.deps.config, sequelize: db, redis: env.deps.redis, writer: env.deps.writer });
    workers = await startWorkers(env.deps, {
      queues: ['reports'],
      activities: {
        reportWrite: async (input: Parameters<typeof real.reportWrite>[0]) => {
          resumedFrom.push(Context.current().info.heartbeatDetails as ReportCheckpoint | undefined);
          return real.reportWrite(input);
        },
      },
    });
    await waitFor('the report to succeed', async () => {
      const [[r]] = (await db.query('SELECT status FROM reports WHERE id = ?', { replacements: [reportId] })) as [Array<{ status: string }>, unknown];
      expect(['running', 'succeeded']).toContain(r!.status);
      return r!.status === 'succeeded';
      // ~1,500 pages of 5 rows after the resume: ~80 s at load 18 (the pages stay small so the
      // kill lands mid-write on a quiet machine too).
    }, 180_000);

    expect(resumedFrom.length).toBe(1);
    const from = resumedFrom[0]!;
    expect(from.rowsDone).toBeGreaterThan(0);
    expect(from.rowsDone).toBeGreaterThanOrEqual(heartbeated.rowsDone); // the last heartbeat Temporal held, not zero
    expect(from.cursor).not.toBeNull();

    const res = await fetch(`${env.api.url}/api/v1/reports/${reportId}/download`, { headers: env.wholesaler });
    expect(res.status).toBe(200);
    const [header, ...rows] = parse(Buffer.from(await res.arrayBuffer())) as string[][];
    const keys = rows.map((r) => `${r[header!.indexOf('location_id')]}|${r[header!.indexOf('sku')]}`);
    expect(rows.length).toBe(Number(expectedRows));
    expect(new Set(keys).size).toBe(keys.length);
    const [dbRows] = (await db.query('SELECT i.location_id, v.sku FROM inventory i JOIN product_variants v ON v.id = i.variant_id WHERE i.entity_id = ?', { replacements: [env.world.wholesaler.id] })) as [Array<{ location_id: string; sku: string }>, unknown];
    expect(new Set(keys)).toEqual(new Set(dbRows.map((r) => `${r.location_id}|${r.sku}`)));
  }, 330_000);
});
