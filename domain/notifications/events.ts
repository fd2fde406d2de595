/**
 * What Trellis tells people about (issue 16), who hears of it, and the keys that make each
 * delivery happen once. Pure: the activities resolve the audience to users and send.
 */

export const NOTIFICATION_EVENT_TYPES = [
  'order.submitted',
  'order.accepted',
  'order.rejected',
  'order.shipped',
  'order.reminder',
  'metrc.dead_lettered',
  'metrc.parked',
  'pos.credentials_failed',
  'report.ready',
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

export const NOTIFICATION_CHANNELS = ['email', 'sms', 'in_app'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/**
 * The facts a template may show. Only these named fields ever reach a message, so a caller that
 * passes more (a credential, a payload) cannot leak it into an email.
 */
export interface NotificationFacts {
  orderId?: string;
  orderNumber?: string;
  retailerName?: string;
  wholesalerName?: string;
  reason?: string;
  deadline?: string;
  submissionId?: string;
  submissionKind?: string;
  license?: string;
  error?: string;
  connectionId?: string;
  vendor?: string;
  entityName?: string;
  reportId?: string;
  reportName?: string;
  expiresAt?: string;
  /** A scheduled report's file name when the email carries the file itself (small enough to attach). */
  attachment?: string;
}

export interface NotificationEvent {
  type: NotificationEventType;
  /** Stable identity of the occurrence (e.g. the order event's key): the same event twice is one notification. */
  key: string;
  facts: NotificationFacts;
  /** The entity whose users hear of it (for order and POS events). */
  entityId?: string;
  /** The one user it is for (a scheduled report's owner), for rules whose recipient is `requester`. */
  userId?: string;
}

// Who hears of an event, on which channels: domain/notifications/rules.ts.

/** Order status reached → the event the other party hears of, and which party that is. */
export const ORDER_STATUS_EVENTS: Partial<Record<string, { type: NotificationEventType; party: 'retailer' | 'wholesaler' }>> = {
  submitted: { type: 'order.submitted', party: 'wholesaler' },
  accepted: { type: 'order.accepted', party: 'retailer' },
  rejected: { type: 'order.rejected', party: 'retailer' },
  shipped: { type: 'order.shipped', party: 'retailer' },
};

/**
 * The one place delivery workflow ids are made: one workflow per (event, recipient, channel),
 * so starting it twice (a retried activity) finds the first.
 */
export const notificationWorkflowId = (eventKey: string, channel: NotificationChannel, recipientUserId: string) =>
  `notify:${channel}:${recipientUserId}:${eventKey}`;
