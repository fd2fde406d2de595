/**
 * Workflow ids, each built here once. An id names the one workflow of its subject (Temporal
 * refuses a second start under it), so starters, signallers and tests must agree on it exactly.
 */
export { digestWorkflowId } from '../domain/notifications/digest.js';
export { notificationWorkflowId } from '../domain/notifications/events.js';

/** An order's lifecycle (workflows/orderLifecycle/). */
export const orderWorkflowId = (orderId: string) => `order:${orderId}`;

const ORDER_WORKFLOW = /^order:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** The order id inside an order workflow's id, or undefined for any other workflow. */
export const orderOfWorkflow = (workflowId: string): string | undefined => ORDER_WORKFLOW.exec(workflowId)?.[1];

/** The METRC side of an order's shipment, a child of the order workflow. */
export const metrcTransferWorkflowId = (orderId: string) => `metrc-transfer:order:${orderId}`;

/** The watch on a matched manifest, started (and abandoned) by the transfer. */
export const metrcWatchWorkflowId = (orderId: string) => `metrc-watch:${orderId}`;

/** One METRC submission (stored as `metrc_submissions.workflow_id`). */
export const metrcSubmissionWorkflowId = (submissionId: string) => `metrc:${submissionId}`;

/** The duplicate sweep that follows a submission with an ambiguous attempt. */
export const metrcSweepWorkflowId = (submissionId: string) => `metrc-sweep:${submissionId}`;

/** One report (workflows/report.ts; stored as `reports.workflow_id`). */
export const reportWorkflowId = (reportId: string) => `report:${reportId}`;
