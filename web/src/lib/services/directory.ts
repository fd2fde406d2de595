/** Locations, stock, the audit log and partner API keys, typed from openapi.yaml. */
import type { Api, Page } from '../api/http.js';
import type { components } from '../../../../openapi/types.js';
import type { Inventory, Location } from './types.js';

export type AuditEntry = components['schemas']['AuditEntry'];
export type ApiKey = components['schemas']['ApiKey'];
export type ApiKeyCreated = components['schemas']['ApiKeyCreated'];
export type ApiKeyScope = components['schemas']['ApiKeyScope'];

export interface AuditQuery {
  page?: number;
  limit?: number;
  action?: string;
  actor_id?: string;
  target_type?: string;
  target_id?: string;
  entity_id?: string;
  from?: string;
  to?: string;
}

export function directoryService(api: Api) {
  return {
    locations: (query: { page?: number; limit?: number; q?: string } = {}) =>
      api.unwrap<Page<Location>>(api.client.GET('/locations', { params: { query: { limit: 200, ...query } } })),
    inventory: (query: { page?: number; limit?: number; location_id?: string; q?: string } = {}) =>
      api.unwrap<Page<Inventory>>(api.client.GET('/inventory', { params: { query } })),
    audit: (query: AuditQuery = {}) => api.unwrap<Page<AuditEntry>>(api.client.GET('/audit-log', { params: { query } })),
    apiKeys: () => api.unwrap<Page<ApiKey>>(api.client.GET('/api-keys', { params: { query: { limit: 100, include_revoked: true } } })),
    /** The answer carries the full key once; the console shows it and keeps it nowhere. */
    createApiKey: (name: string, scopes: ApiKeyScope[], entityId?: string) =>
      api.unwrap<ApiKeyCreated>(api.client.POST('/api-keys', { body: { name, scopes, ...(entityId ? { entity_id: entityId } : {}) } })),
    revokeApiKey: (id: string) => api.unwrap<unknown>(api.client.DELETE('/api-keys/{id}', { params: { path: { id } } })).then(() => undefined),
  };
}
