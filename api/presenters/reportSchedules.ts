import type { ReportScheduleRow } from '../../db/repositories/reportSchedules.js';
import type { ScheduledReport } from '../../domain/reports/schedule.js';

/** A report schedule as the API shows it: the stored request parsed, paused as a boolean. */
export function scheduleToApi(r: ReportScheduleRow) {
  const report = JSON.parse(r.request) as ScheduledReport;
  return {
    id: r.id,
    name: r.name,
    cron: r.cron,
    timezone: r.timezone,
    paused: Boolean(Number(r.paused)),
    delivery: r.delivery,
    report,
    user_id: r.user_id,
    entity_id: r.entity_id,
    created_at: new Date(r.created_at).toISOString(),
  };
}
