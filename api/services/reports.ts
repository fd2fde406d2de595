/**
 * Reports (issue 17): request (validate, record, start `report:<id>` on the reports queue),
 * read with progress, list, download, cancel. A report belongs to the requester's tenant (staff:
 * none) and is read through that scope; what it contains is scoped the same way in its queries
 * (db/repositories/reports.ts), so neither the request nor the listing can reach another tenant.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { REPORT_WORKFLOW_TYPE, reportWorkflowId, type ReportWorkflowInput } from '../../contracts/index.js';
import { chunkNumbers, findReport, insertReport, listReports, markEnded, readChunk, type ReportRow } from '../../db/repositories/reports.js';
import { tenantOf, type Actor } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import { validateReportRequest, type ReportRequest } from '../../domain/reports/request.js';
import { isFinished } from '../../domain/reports/types.js';
import { temporalSettings } from '../../temporal.config.js';
import type { ApiDeps } from '../deps.js';

export const CONTENT_TYPES: Record<string, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Succeeded but past its expiry reads as expired at once, before the workflow drops the file. */
export function statusOf(r: ReportRow, now = Date.now()) {
  return r.status === 'succeeded' && r.expires_at && new Date(r.expires_at).getTime() <= now ? 'expired' : r.status;
}

export function createReportService(deps: ApiDeps) {
  const db = deps.sequelize;
  const settings = temporalSettings(deps.config);
  const tenant = (actor: Actor): string | null => tenantOf(actor) ?? null;

  async function find(actor: Actor, id: string): Promise<ReportRow> {
    const row = await findReport(db, id, tenant(actor));
    if (!row) throw notFound('Report', id);
    return row;
  }

  return {
    async create(actor: Actor, body: ReportRequest) {
      const checked = validateReportRequest(body, { maxRangeDays: deps.config.reports.maxRangeDays });
      if ('problem' in checked) throw new AppError('UNPROCESSABLE_ENTITY', `${checked.problem.field}: ${checked.problem.issue}`, { ...checked.problem });
      const { params } = checked;
      const id = randomUUID();
      const workflowId = reportWorkflowId(id);
      await insertReport(db, {
        id,
        type: params.type,
        format: params.format,
        params: JSON.stringify(params),
        entity_id: tenant(actor),
        requested_by: `${actor.kind}:${actor.id}`,
        schedule_id: null,
        workflow_id: workflowId,
      });
      try {
        const client = await deps.temporal.get();
        await client.workflow.start(REPORT_WORKFLOW_TYPE, {
          workflowId,
          taskQueue: settings.taskQueues.reports,
          args: [{ reportId: id } satisfies ReportWorkflowInput],
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
          await markEnded(db, id, 'failed', { type: 'NotStarted', message: 'the report could not be started' });
          throw new AppError('SERVICE_UNAVAILABLE', 'Reports cannot be started right now; try again shortly');
        }
      }
      return (await findReport(db, id, tenant(actor)))!;
    },

    async get(actor: Actor, id: string) {
      return find(actor, id);
    },

    async list(actor: Actor, q: { page: number; limit: number; type?: string; status?: string }) {
      const { rows, total } = await listReports(db, tenant(actor), { ...(q.type ? { type: q.type } : {}), ...(q.status ? { status: q.status } : {}) }, { limit: q.limit, offset: (q.page - 1) * q.limit });
      return { data: rows, pagination: { page: q.page, limit: q.limit, total, total_pages: Math.ceil(total / q.limit) } };
    },

    /** The file's name, type and its bytes chunk by chunk (never the whole file in memory). */
    async download(actor: Actor, id: string) {
      const row = await find(actor, id);
      const status = statusOf(row);
      if (status === 'expired') throw new AppError('NOT_FOUND', 'This report has expired; request it again', { id, issue: 'expired' });
      if (status !== 'succeeded' || !row.file_name) throw new AppError('CONFLICT', `The report is ${status}, not ready to download`, { status });
      const seqs = await chunkNumbers(db, row.id);
      async function* chunks(): AsyncGenerator<Buffer> {
        for (const seq of seqs) {
          const data = await readChunk(db, row.id, seq);
          if (data) yield data;
        }
      }
      return { fileName: row.file_name, contentType: CONTENT_TYPES[row.format]!, bytes: Number(row.bytes), chunks: chunks() };
    },

    async cancel(actor: Actor, id: string) {
      const row = await find(actor, id);
      if (isFinished(row.status)) throw new AppError('CONFLICT', `The report is already ${statusOf(row)}`, { status: statusOf(row) });
      try {
        const client = await deps.temporal.get();
        await client.workflow.getHandle(row.workflow_id).cancel();
      } catch (err) {
        // The workflow is gone (never started, or its history was deleted): settle the row here.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        await markEnded(db, row.id, 'cancelled');
      }
      return find(actor, id);
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
