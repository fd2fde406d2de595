// Every workflow the worker registers. Workflow code is deterministic and imports activity
// types only (see eslint.config.js).
export { systemCheck } from './systemCheck.js';
export { orderLifecycle } from './orderLifecycle/index.js';
export { metrcSubmission } from './metrcSubmission.js';
export { metrcTransfer, metrcTransferWatch } from './metrcTransfer/index.js';
export { metrcDuplicateSweep } from './metrcSweep.js';
export { posSync } from './posSync.js';
export { syncRunsReaper } from './syncRunsReaper.js';
export { ordersReconciler } from './ordersReconciler.js';
export { notificationDelivery } from './notificationDelivery.js';
export { notificationBatch } from './notificationBatch.js';
export { notificationDigest } from './notificationDigest.js';
export { reportWorkflow } from './report.js';
export { scheduledReport } from './scheduledReport.js';
