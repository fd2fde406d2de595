/**
 * Report activities (issue 17): start (count the rows for the progress bar), write (page through
 * the rows with a keyset cursor into the file, heartbeating the cursor), finish, fail, expire.
 * A write retried after its worker died resumes from the heartbeated cursor: chunks written after
 * that heartbeat are dropped and the same pages are written again, so no row is missing or twice.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  dropChunksFrom,
  markEnded,
  markExpired,
  markRunning,
  markSucceeded,
  recordProgress,
  reportById,
  reportPage,
  reportRowCount,
  writeChunk,
  type PageArgs,
  type ReportCursor,
  type ReportRow,
} from '../db/repositories/reports.js';
import { reportRows } from '../platform/metrics.js';
import { periodWindows, rangeInstants } from '../domain/reports/periods.js';
import type { ReportParams } from '../domain/reports/request.js';
import { REPORT_COLUMNS } from '../domain/reports/types.js';
import { csvPage, xlsxWriter } from './reportFiles.js';
import type { ActivityDeps } from './deps.js';
import { createReportScheduleActivities } from './reportSchedules.js';

/** What a write heartbeats after each page: enough to carry on from there on another worker. */
export interface ReportCheckpoint {
  cursor: ReportCursor | null;
  rowsDone: number;
  bytes: number;
  /** The next chunk number to write. */
  seq: number;
}

const FLUSH_BYTES = 1024 * 1024;
const FLUSH_MS = 2000;

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** The UTC windows a report reads: a sales period each, or the whole range, or none (snapshots). */
export function windowsOf(p: ReportParams): PageArgs['windows'] {
  if (!p.from || !p.to) return [{ label: '', from: new Date(0), to: new Date(0) }];
  if (p.type === 'sales') return periodWindows(p.from, p.to, p.period, p.timezone);
  const r = rangeInstants(p.from, p.to, p.timezone);
  return [{ label: `${p.from}..${p.to}`, ...r }];
}

export const fileNameOf = (r: Pick<ReportRow, 'type' | 'format' | 'id'>, p: ReportParams): string =>
  `${r.type}${p.from ? `-${p.from}-to-${p.to}` : ''}-${r.id.slice(0, 8)}.${r.format}`;

export function createReportActivities(deps: ActivityDeps) {
  const db = deps.sequelize;

  async function load(reportId: string): Promise<{ row: ReportRow; params: ReportParams }> {
    const row = await reportById(db, reportId);
    if (!row) throw ApplicationFailure.create({ type: 'NotFound', message: `report ${reportId} not found`, nonRetryable: true });
    return { row, params: JSON.parse(row.params) as ReportParams };
  }

  return {
    // A scheduled run makes its report row and tells the owner when it is ready (activities/reportSchedules.ts).
    ...createReportScheduleActivities(deps),
    async reportStart(input: { reportId: string }): Promise<{ rowsTotal: number }> {
      const { row, params } = await load(input.reportId);
      const rowsTotal = await reportRowCount(db, row.type, { tenant: row.entity_id, windows: windowsOf(params) });
      await markRunning(db, row.id, rowsTotal);
      return { rowsTotal };
    },

    async reportWrite(input: { reportId: string; pageSize?: number }): Promise<{ rows: number; bytes: number }> {
      const ctx = activityContext();
      const { row, params } = await load(input.reportId);
      const limit = input.pageSize ?? deps.config.reports.pageSize;
      const args = { tenant: row.entity_id, windows: windowsOf(params), limit };
      const start: ReportCheckpoint = { cursor: { window: 0, key: null }, rowsDone: 0, bytes: 0, seq: 0 };
      const saved = ctx?.info.heartbeatDetails as ReportCheckpoint | undefined;
      // A zip cannot be appended to: an XLSX whose worker died is written again from the start.
      let at: ReportCheckpoint = saved && row.format === 'csv' ? saved : start;
      await dropChunksFrom(db, row.id, at.seq);

      if (row.format === 'csv') {
        if (at.rowsDone === 0 && at.seq === 0) {
          const header = await csvPage([[...REPORT_COLUMNS[row.type]]], { bom: params.bom });
          await writeChunk(db, row.id, 0, header);
          at = { ...at, bytes: header.length, seq: 1 };
          ctx?.heartbeat(at);
        }
        // Pages are gathered into chunks of about a megabyte (or two seconds' work): each chunk is
        // one write, one progress update and the next resume point, not one per page.
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        let pendingRows = 0;
        let cursor = at.cursor;
        let flushedAt = Date.now();
        while (cursor) {
          ctx?.cancellationSignal.throwIfAborted();
          const page = await reportPage(db, row.type, { ...args, cursor });
          if (page.rows.length) {
            const data = await csvPage(page.rows, { bom: false });
            pending.push(data);
            pendingBytes += data.length;
            pendingRows += page.rows.length;
          }
          cursor = page.next;
          if (!cursor || pendingBytes >= FLUSH_BYTES || Date.now() - flushedAt >= FLUSH_MS) {
            if (pendingBytes) await writeChunk(db, row.id, at.seq, Buffer.concat(pending));
            at = { cursor, rowsDone: at.rowsDone + pendingRows, bytes: at.bytes + pendingBytes, seq: pendingBytes ? at.seq + 1 : at.seq };
            pending = [];
            pendingBytes = 0;
            pendingRows = 0;
            flushedAt = Date.now();
            await recordProgress(db, row.id, at.rowsDone, at.bytes);
          }
          // Always the last flushed point: pages still in memory die with the worker.
          ctx?.heartbeat(at);
        }
        return { rows: at.rowsDone, bytes: at.bytes };
      }

      let seq = 0;
      let bytes = 0;
      const book = xlsxWriter(
        async (part) => {
          await writeChunk(db, row.id, seq++, part);
          bytes += part.length;
        },
        { sheetName: row.type },
      );
      book.addRows([[...REPORT_COLUMNS[row.type]]]);
      let cursor: ReportCursor | null = { window: 0, key: null };
      let rowsDone = 0;
      let progressAt = 0;
      while (cursor) {
        ctx?.cancellationSignal.throwIfAborted();
        const page = await reportPage(db, row.type, { ...args, cursor });
        book.addRows(page.rows);
        rowsDone += page.rows.length;
        cursor = page.next;
        if (Date.now() - progressAt >= FLUSH_MS) {
          await recordProgress(db, row.id, rowsDone, bytes);
          progressAt = Date.now();
        }
        ctx?.heartbeat({ cursor, rowsDone, bytes, seq } satisfies ReportCheckpoint);
      }
      await book.finish();
      return { rows: rowsDone, bytes };
    },

    async reportFinish(input: { reportId: string; rows: number; bytes: number }): Promise<{ expiresAt: string; fileName: string }> {
      const { row, params } = await load(input.reportId);
      const expiresAt = new Date(Date.now() + deps.config.reports.ttlMs);
      const fileName = fileNameOf(row, params);
      // Counted once per report: a retried finish finds it succeeded already.
      if (await markSucceeded(db, row.id, { rowsDone: input.rows, bytes: input.bytes, fileName, expiresAt })) reportRows.inc({ type: row.type }, input.rows);
      return { expiresAt: expiresAt.toISOString(), fileName };
    },

    async reportEnd(input: { reportId: string; status: 'failed' | 'cancelled'; errorType?: string; message?: string }): Promise<void> {
      await markEnded(db, input.reportId, input.status, input.errorType ? { type: input.errorType, message: input.message ?? '' } : undefined);
    },

    async reportExpire(input: { reportId: string }): Promise<void> {
      await markExpired(db, input.reportId);
    },
  };
}
