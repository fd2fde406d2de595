/** The console's singletons: one API client, one session, one live-updates channel. */
import { createApi } from './api/http.js';
import { authService } from './services/auth.js';
import { complianceService } from './services/compliance.js';
import { directoryService } from './services/directory.js';
import { ordersService } from './services/orders.js';
import { syncsService } from './services/syncs.js';
import { usersService } from './services/users.js';
import { metrcCredentialsService } from './services/metrcCredentials.js';
import { posConnectionsService } from './services/posConnections.js';
import { workflowsService } from './services/workflows.js';
import { notificationPreferencesService } from './services/notificationPreferences.js';
import { notificationsService } from './services/notifications.js';
import { reportsService } from './services/reports.js';
import { createLive, type SocketLike } from './stores/live.js';
import { createSession } from './stores/session.js';

let onUnauthorized: () => void = () => {};
export const api = createApi({ onUnauthorized: () => onUnauthorized() });
export const services = {
  auth: authService(api),
  orders: ordersService(api),
  workflows: workflowsService(api),
  compliance: complianceService(api),
  syncs: syncsService(api),
  directory: directoryService(api),
  users: usersService(api),
  metrcCredentials: metrcCredentialsService(api),
  posConnections: posConnectionsService(api),
  notificationPreferences: notificationPreferencesService(api),
  notifications: notificationsService(api),
  reports: reportsService(api),
};
export const session = createSession(services.auth);
onUnauthorized = () => session.expired();

export const live = createLive({
  openSocket:
    typeof WebSocket === 'undefined'
      ? null
      : (after?: string) =>
          new WebSocket(
            `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/events${after ? `?last_event_id=${encodeURIComponent(after)}` : ''}`,
          ) as unknown as SocketLike,
});
