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

export function createActivities(deps: ActivityDeps) {
  const orders = createOrderActivities(deps);
  return {
    ...createSystemActivities(deps),
    ...orders,
    // Order steps and reminders also start the notifications they cause (issue 16).
    ...withOrderNotifications(deps, orders),
    ...createInventoryActivities(deps),
    ...createMetrcActivities(deps),
    ...createMetrcCredentialActivities(deps),
    ...createMetrcSweepActivities(deps),
    ...createDeadLetterActivities(deps),
    ...createPosActivities(deps),
    ...createSyncReaperActivities(deps),
    ...createOrderReconcilerActivities(deps),
    ...createNotificationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
