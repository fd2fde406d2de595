/**
 * The report workflow's contract (workflows/report.ts, issue 17): its input and result (its id
 * is in ids.ts). A report's progress is its `reports` row, which the workflow's activities keep
 * current, so any API instance answers it without asking Temporal.
 */
export const REPORT_WORKFLOW_TYPE = 'reportWorkflow';

export interface ReportWorkflowInput {
  reportId: string;
  /** How long an activity may go without a heartbeat before it is presumed dead and retried. */
  heartbeatTimeoutMs?: number;
  /** Rows per page (one heartbeat and resume point each); the configured size when absent. */
  pageSize?: number;
  /** Set by a scheduled run: tell the schedule's owner when the file is ready (report.ready). */
  notifyOwner?: boolean;
}

export interface ReportWorkflowResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  rows: number;
}

/** One run of a scheduled report: the Schedule's action (workflows/scheduledReport.ts). */
export const SCHEDULED_REPORT_WORKFLOW_TYPE = 'scheduledReport';

export interface ScheduledReportInput {
  scheduleId: string;
}

/** Appended to a schedule's runs' workflow ids by Temporal (one per run); also the schedule's own id. */
export const reportScheduleTemporalId = (scheduleId: string) => `report-schedule:${scheduleId}`;
