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
}

export interface ReportWorkflowResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  rows: number;
}
