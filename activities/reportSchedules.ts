/**
 * Scheduled report activities (issue 17): a run records its report row (dated relative to the
 * run, in the schedule's time zone), and a finished scheduled report tells its owner through the
 * notifications queue (`report.ready`: an in-app note and an email with the link, or with the file
 * attached when the schedule asks for it and the file is at most REPORT_ATTACHMENT_MAX_BYTES).
 */
import { ApplicationFailure } from '@temporalio/common';
import { reportWorkflowId } from '../contracts/ids.js';
import { findReportSchedule } from '../db/repositories/reportSchedules.js';
import { insertReport, reportById } from '../db/repositories/reports.js';
import { runParams, type ScheduledReport } from '../domain/reports/schedule.js';
import { startNotifications } from './notifications.js';
import type { ActivityDeps } from './deps.js';

export function createReportScheduleActivities(deps: ActivityDeps) {
  const db = deps.sequelize;
  return {
    /** Inserts the run's report row (once: a retry finds it). `null`: the schedule was deleted meanwhile. */
    async reportScheduleRun(input: { scheduleId: string; reportId: string }): Promise<{ reportId: string } | null> {
      if (await reportById(db, input.reportId)) return { reportId: input.reportId };
      const schedule = await findReportSchedule(db, input.scheduleId, null);
      if (!schedule) return null;
      const checked = runParams(JSON.parse(schedule.request) as ScheduledReport, schedule.timezone, new Date(), { maxRangeDays: deps.config.reports.maxRangeDays });
      // Checked when the schedule was made; only a configuration change since can refuse it now.
      if ('problem' in checked) throw ApplicationFailure.create({ type: 'InvalidSchedule', message: `${checked.problem.field}: ${checked.problem.issue}`, nonRetryable: true });
      const { params } = checked;
      await insertReport(db, {
        id: input.reportId,
        type: params.type,
        format: params.format,
        params: JSON.stringify(params),
        entity_id: schedule.entity_id,
        requested_by: `user:${schedule.user_id}`,
        schedule_id: schedule.id,
        workflow_id: reportWorkflowId(input.reportId),
      });
      return { reportId: input.reportId };
    },

    /** Tells a scheduled report's owner its file is ready; nothing for a schedule deleted since. */
    async reportNotifyReady(input: { reportId: string }): Promise<{ notified: boolean }> {
      const report = await reportById(db, input.reportId);
      if (!report?.schedule_id) return { notified: false };
      const schedule = await findReportSchedule(db, report.schedule_id, null);
      if (!schedule) return { notified: false };
      const attach = schedule.delivery === 'attachment' && !!report.file_name && Number(report.bytes) <= deps.config.reports.attachmentMaxBytes;
      await startNotifications(deps, {
        type: 'report.ready',
        key: `report.ready:${report.id}`,
        userId: schedule.user_id,
        ...(schedule.entity_id ? { entityId: schedule.entity_id } : {}),
        facts: {
          reportId: report.id,
          reportName: schedule.name,
          ...(report.expires_at ? { expiresAt: new Date(report.expires_at).toISOString() } : {}),
          ...(attach ? { attachment: report.file_name! } : {}),
        },
      });
      return { notified: true };
    },
  };
}
