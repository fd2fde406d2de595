/**
 * Workflow type names as Temporal knows them: the worker registers functions of these names
 * (workflows/index.ts) and every starter names them from here, never as a string of its own.
 */
import { ORDERS_RECONCILER_WORKFLOW } from '../domain/orders/reconcile.js';
import { SYNC_RUNS_REAPER_WORKFLOW } from '../domain/pos/reaper.js';
import { POS_SYNC_WORKFLOW } from '../domain/pos/schedule.js';
import { REPORT_WORKFLOW_TYPE, SCHEDULED_REPORT_WORKFLOW_TYPE } from './report.js';

export const WORKFLOW_TYPES = {
  orderLifecycle: 'orderLifecycle',
  metrcTransfer: 'metrcTransfer',
  metrcTransferWatch: 'metrcTransferWatch',
  metrcSubmission: 'metrcSubmission',
  metrcDuplicateSweep: 'metrcDuplicateSweep',
  notificationDelivery: 'notificationDelivery',
  notificationBatch: 'notificationBatch',
  notificationDigest: 'notificationDigest',
  systemCheck: 'systemCheck',
  posSync: POS_SYNC_WORKFLOW,
  syncRunsReaper: SYNC_RUNS_REAPER_WORKFLOW,
  ordersReconciler: ORDERS_RECONCILER_WORKFLOW,
  reportWorkflow: REPORT_WORKFLOW_TYPE,
  scheduledReport: SCHEDULED_REPORT_WORKFLOW_TYPE,
} as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[keyof typeof WORKFLOW_TYPES];
