/**
 * Managing POS connections (the API's /pos-connections): create, edit, delete, test, pause,
 * resume, run now. Credentials are write-only: the API never answers them, so forms always start
 * empty and "leave blank to keep" on edit.
 */
import type { Api, Page } from '../api/http.js';
import type { components } from '../../../../openapi/types.js';

export type PosConnection = components['schemas']['PosConnection'];
export type PosConnectionCreate = components['schemas']['PosConnectionCreate'];
export type PosConnectionUpdate = components['schemas']['PosConnectionUpdate'];
export type PosConnectionTest = components['schemas']['PosConnectionTest'];
export type PosVendor = components['schemas']['PosVendor'];
export type PosCredentials = components['schemas']['PosCredentials'];
export type LocationOption = { id: string; name: string; license_number: string; entity_id: string };

/** The credential fields each vendor takes (components.schemas.PosCredentials). */
export const CREDENTIAL_FIELDS: Record<PosVendor, Array<{ key: keyof PosCredentials; label: string; required: boolean }>> = {
  dutchie: [
    { key: 'location_key', label: 'Location key', required: true },
    { key: 'integrator_key', label: 'Integrator key', required: false },
  ],
  blaze: [
    { key: 'partner_key', label: 'Partner key', required: true },
    { key: 'store_key', label: 'Store key', required: true },
  ],
};

/** Only the filled-in fields of the vendor's credential form; undefined when none was filled. */
export function credentialsFrom(vendor: PosVendor, values: Partial<Record<keyof PosCredentials, string>>): PosCredentials | undefined {
  const out: PosCredentials = {};
  for (const f of CREDENTIAL_FIELDS[vendor]) {
    const v = values[f.key]?.trim();
    if (v) out[f.key] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

export function posConnectionsService(api: Api) {
  const id = (v: string) => ({ params: { path: { id: v } } });
  return {
    list: (query: { page?: number; limit?: number; entity_id?: string } = {}) =>
      api.unwrap<Page<PosConnection>>(api.client.GET('/pos-connections', { params: { query: { limit: 100, ...query } } })),
    locations: (entityId?: string) =>
      api.unwrap<Page<LocationOption>>(api.client.GET('/locations', { params: { query: { limit: 200, ...(entityId ? { entity_id: entityId } : {}) } } })),
    create: (body: PosConnectionCreate) => api.unwrap<PosConnection>(api.client.POST('/pos-connections', { body })),
    update: (connId: string, body: PosConnectionUpdate) => api.unwrap<PosConnection>(api.client.PATCH('/pos-connections/{id}', { ...id(connId), body })),
    remove: (connId: string) => api.unwrap<unknown>(api.client.DELETE('/pos-connections/{id}', id(connId))).then(() => undefined),
    test: (connId: string) => api.unwrap<PosConnectionTest>(api.client.POST('/pos-connections/{id}/test', id(connId))),
    runNow: (connId: string) => api.unwrap<unknown>(api.client.POST('/pos-connections/{id}/run-now', id(connId))),
    pause: (connId: string) => api.unwrap<PosConnection>(api.client.POST('/pos-connections/{id}/pause', id(connId))),
    resume: (connId: string) => api.unwrap<PosConnection>(api.client.POST('/pos-connections/{id}/resume', id(connId))),
  };
}
