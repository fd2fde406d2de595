import type { Api, Page } from '../api/http.js';
import type { AuditEntry, ApiKey, CreatedApiKey, Inventory, Location, User } from './types.js';

export function directoryService(api: Api) {
  return {
    locations: (query: { page?: number; limit?: number; q?: string } = {}) =>
      api.unwrap<Page<Location>>(api.client.GET('/locations', { params: { query: { limit: 200, ...query } } })),
    inventory: (query: { page?: number; limit?: number; location_id?: string; q?: string } = {}) =>
      api.unwrap<Page<Inventory>>(api.client.GET('/inventory', { params: { query } })),
    audit: (query: { page?: number; limit?: number; action?: string; actor_id?: string; target_type?: string; target_id?: string; entity_id?: string; from?: string; to?: string } = {}) =>
      api.unwrap<Page<AuditEntry>>(api.client.GET('/audit-log', { params: { query } })),
    apiKeys: () => api.call<Page<ApiKey>>('GET', '/api-keys', { query: { limit: 100, include_revoked: true } }),
    createApiKey: (name: string, scopes: string[], entityId?: string) =>
      api.call<CreatedApiKey>('POST', '/api-keys', { body: { name, scopes, ...(entityId ? { entity_id: entityId } : {}) } }),
    revokeApiKey: (id: string) => api.call<void>('DELETE', `/api-keys/${encodeURIComponent(id)}`),
    users: () => api.call<Page<User>>('GET', '/users', { query: { limit: 100 } }),
  };
}
