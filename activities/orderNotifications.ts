/**
 * Order events that notify (issue 16), wrapped around the order activities so the order code and
 * its workflow stay untouched: after a step is recorded (first attempt or retry alike, since the
 * first may have died between its commit and here) the other party's users get one delivery
 * workflow each. Starting is idempotent (ids per event and recipient) and never fails the order
 * step: an order must progress even when notifications cannot be started.
 */
import { ORDER_STATUS_EVENTS, type NotificationEvent, type NotificationEventType } from '../domain/notifications/events.js';
import { orderSubject } from '../db/repositories/notificationSubjects.js';
import type { ActivityDeps } from './deps.js';
import { startNotificationsQuietly } from './notifications.js';
import type { createOrderActivities, OrderEventInput } from './orders.js';

type OrderActivities = ReturnType<typeof createOrderActivities>;

async function orderEvent(deps: ActivityDeps, orderId: string, type: NotificationEventType, key: string, party: 'retailer' | 'wholesaler', extra: { reason?: string | null; deadline?: string }): Promise<NotificationEvent | undefined> {
  const o = await orderSubject(deps.sequelize, orderId);
  if (!o) return undefined;
  return {
    type,
    key,
    entityId: party === 'retailer' ? o.retailer_id : o.wholesaler_id,
    facts: {
      orderId,
      orderNumber: o.order_number,
      ...(o.retailer_name ? { retailerName: o.retailer_name } : {}),
      ...(o.wholesaler_name ? { wholesalerName: o.wholesaler_name } : {}),
      ...(extra.reason ? { reason: extra.reason } : {}),
      ...(extra.deadline ? { deadline: extra.deadline } : {}),
    },
  };
}

export function withOrderNotifications(deps: ActivityDeps, orders: OrderActivities): Pick<OrderActivities, 'recordOrderEvent' | 'notifyOrderReminder'> {
  return {
    async recordOrderEvent(input: OrderEventInput) {
      const result = await orders.recordOrderEvent(input);
      const notifies = input.type === 'status_changed' && input.to ? ORDER_STATUS_EVENTS[input.to] : undefined;
      if (notifies && deps.config.mail.host) {
        const event = await orderEvent(deps, input.orderId, notifies.type, `${notifies.type}:${input.orderId}:${input.seq}`, notifies.party, { reason: input.reason ?? null });
        if (event) await startNotificationsQuietly(deps, event);
      }
      return result;
    },

    /** The acceptance reminder, now delivered to the wholesaler's users (it used to be logged only). */
    async notifyOrderReminder(input: Parameters<OrderActivities['notifyOrderReminder']>[0]) {
      const result = await orders.notifyOrderReminder(input);
      if (!deps.config.mail.host) return result; // no email configured: nothing to look up
      const event = await orderEvent(deps, input.orderId, 'order.reminder', `order.reminder:${input.orderId}:${input.seq}`, 'wholesaler', { deadline: input.deadline });
      if (event) await startNotificationsQuietly(deps, { ...event, entityId: input.recipientEntityId });
      return result;
    },
  };
}
