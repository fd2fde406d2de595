import type { ActivityDeps } from './deps.js';
import { createSystemActivities } from './system.js';
import { createOrderActivities } from './orders.js';
import { createInventoryActivities } from './inventory.js';
import { createMetrcActivities } from './metrc.js';
import { createMetrcCredentialActivities } from './metrcCredentials.js';
import { createMetrcSweepActivities } from './metrcSweep.js';
import { createDeadLetterActivities } from './dlq.js';
import { createPosActivities } from './pos.js';
import { createSyncReaperActivities } from './syncReaper.js';
import { createOrderReconcilerActivities } from './orderReconciler.js';
import { createNotificationActivities } from './notifications.js';
import { withOrderNotifications } from './orderNotifications.js';
import { withAlertNotifications } from './alertNotifications.js';
import { createSmsActivities } from './smsDelivery.js';
import { createDigestActivities } from './digestDelivery.js';
import { createInAppActivities } from './inAppNotifications.js';
import { createBatchActivities } from './notificationBatch.js';
import { createReportActivities } from './reports.js';

export function createActivities(deps: ActivityDeps) {
  const orders = createOrderActivities(deps);
  const metrc = createMetrcActivities(deps);
  const credentials = createMetrcCredentialActivities(deps);
  const pos = createPosActivities(deps);
  return {
    ...createSystemActivities(deps),
    ...orders,
    // Order steps and reminders also start the notifications they cause (issue 16).
    ...withOrderNotifications(deps, orders),
    ...createInventoryActivities(deps),
    ...metrc,
    ...credentials,
    ...createMetrcSweepActivities(deps),
    ...createDeadLetterActivities(deps),
    ...pos,
    ...createSyncReaperActivities(deps),
    ...createOrderReconcilerActivities(deps),
    ...createNotificationActivities(deps),
    ...createSmsActivities(deps),
    ...createDigestActivities(deps),
    ...createInAppActivities(deps),
    ...createBatchActivities(deps),
    ...createReportActivities(deps),
    // METRC dead letters and parks, and POS credential failures, notify staff (issue 16).
    ...withAlertNotifications(deps, { metrc, credentials, pos }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
