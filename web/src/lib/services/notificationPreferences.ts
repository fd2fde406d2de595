/** My notification preferences (issue 16): channels per category, quiet hours, digest, SMS number. */
import type { Api } from '../api/http.js';
import type { components } from '../../../../openapi/types.js';

export type NotificationPreferences = components['schemas']['NotificationPreferences'];
export const CATEGORIES = ['orders', 'compliance', 'pos'] as const;
export const CHANNELS = ['email', 'sms', 'in_app'] as const;

export function notificationPreferencesService(api: Api) {
  return {
    get: () => api.unwrap<NotificationPreferences>(api.client.GET('/auth/me/notification-preferences')),
    /** A 422 names the field at fault (phone, quiet_hours.timezone, …). */
    put: (p: NotificationPreferences) => api.unwrap<NotificationPreferences>(api.client.PUT('/auth/me/notification-preferences', { body: p })),
  };
}
