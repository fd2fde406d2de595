/**
 * A scheduled report's file as an email attachment (issue 17: "delivered as a link, or attachment
 * under a size limit"). The `report.ready` event only names the file; the bytes are read here, when
 * the email is about to be sent, and never travel through a workflow's history.
 */
import { findReportSchedule } from '../db/repositories/reportSchedules.js';
import { chunkNumbers, readChunk, reportById } from '../db/repositories/reports.js';
import { REPORT_CONTENT_TYPES, type ReportFormat } from '../domain/reports/types.js';
import type { ActivityDeps } from './deps.js';

export interface ReportAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

/**
 * The file for its owner's email: only a finished, unexpired report of a schedule
 * set to `attachment`, owned by this recipient, and within the size limit (checked again here: the
 * event only names the file, the bytes are read when the email is sent). Null: send the link alone.
 */
export async function reportAttachment(deps: ActivityDeps, reportId: string | undefined, recipientUserId: string): Promise<ReportAttachment | null> {
  const db = deps.sequelize;
  const report = reportId ? await reportById(db, reportId) : undefined;
  if (!report?.schedule_id || report.status !== 'succeeded' || !report.file_name) return null;
  if (report.expires_at && new Date(report.expires_at).getTime() <= Date.now()) return null;
  if (Number(report.bytes) > deps.config.reports.attachmentMaxBytes) return null;
  const schedule = await findReportSchedule(db, report.schedule_id, recipientUserId);
  if (schedule?.delivery !== 'attachment') return null;
  const parts: Buffer[] = [];
  for (const seq of await chunkNumbers(db, report.id)) {
    const part = await readChunk(db, report.id, seq);
    if (part) parts.push(part);
  }
  return { filename: report.file_name, content: Buffer.concat(parts), contentType: REPORT_CONTENT_TYPES[report.format as ReportFormat] };
}
