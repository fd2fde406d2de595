/** My in-app notifications: the bell's count and list, and marking them read. */
import type { Api } from '../api/http.js';
import type { components } from '../../../../openapi/types.js';

export type InAppNotification = components['schemas']['InAppNotification'];
export type InAppNotificationList = components['schemas']['InAppNotificationList'];

export function notificationsService(api: Api) {
  return {
    list: (q: { page?: number; limit?: number; unread?: boolean } = {}) =>
      api.unwrap<InAppNotificationList>(api.client.GET('/notifications', { params: { query: q } })),
    unreadCount: () => api.unwrap<components['schemas']['UnreadCount']>(api.client.GET('/notifications/unread-count')).then((r) => r.unread_count),
    markRead: (id: string) => api.unwrap<InAppNotification>(api.client.POST('/notifications/{id}/read', { params: { path: { id } } })),
    markAllRead: () => api.unwrap<components['schemas']['ReadAllResult']>(api.client.POST('/notifications/read-all')),
  };
}

/** A `notification.created` from the events socket is addressed to this user (the server sends no one else's). */
export const isNotificationEvent = (event?: Record<string, unknown>) => event?.type === 'notification.created';
