import { ParentClosePolicy, proxyActivities, startChild, uuid4, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { REPORT_WORKFLOW_TYPE, reportWorkflowId, type ReportWorkflowInput, type ScheduledReportInput } from '../contracts/index.js';

/**
 * One run of a report Schedule (`report-schedule:<id>`, queue `reports`): record a new report row
 * and start its report workflow, which tells the owner when the file is ready. The report outlives
 * this run (it keeps its file until expiry), hence the abandoned child.
 */
export async function scheduledReport(input: ScheduledReportInput): Promise<{ reportId: string | null }> {
  const { reportScheduleRun } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1s', maximumAttempts: 5 } });
  const reportId = uuid4();
  const run = await reportScheduleRun({ scheduleId: input.scheduleId, reportId });
  if (!run) return { reportId: null };
  await startChild(REPORT_WORKFLOW_TYPE, {
    workflowId: reportWorkflowId(run.reportId),
    taskQueue: workflowInfo().taskQueue,
    args: [{ reportId: run.reportId, notifyOwner: true } satisfies ReportWorkflowInput],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  return { reportId: run.reportId };
}
