/** A licence's METRC user key: store (write-only), inspect, test against METRC, remove. */
import type { Api } from '../api/http.js';
import type { components } from '../../../../openapi/types.js';

export type MetrcCredential = components['schemas']['MetrcCredential'];
export type MetrcCredentialTest = components['schemas']['MetrcCredentialTest'];

export function metrcCredentialsService(api: Api) {
  const lic = (licenseNumber: string) => ({ path: { licenseNumber } });
  return {
    /** Owners: their entity's licences; staff name the entity. */
    list: (entityId?: string) =>
      api.unwrap<{ data: MetrcCredential[] }>(api.client.GET('/metrc-credentials', { params: { query: entityId ? { entity_id: entityId } : {} } })),
    store: (licenseNumber: string, userKey: string) =>
      api.unwrap<MetrcCredential>(api.client.PUT('/metrc-credentials/{licenseNumber}', { params: lic(licenseNumber), body: { user_key: userKey } })),
    test: (licenseNumber: string) => api.unwrap<MetrcCredentialTest>(api.client.POST('/metrc-credentials/{licenseNumber}/test', { params: lic(licenseNumber) })),
    remove: (licenseNumber: string) =>
      api.unwrap<unknown>(api.client.DELETE('/metrc-credentials/{licenseNumber}', { params: lic(licenseNumber) })).then(() => undefined),
  };
}
