/**
 * People administration (/users) and the public end of an invitation link (/auth/set-password),
 * typed from openapi.yaml. An invitation's link is in the create answer only: callers show it
 * once and keep it nowhere.
 */
import type { Api, Page } from '../api/http.js';
import type { components } from '../../../../openapi/types.js';

export type ManagedUser = components['schemas']['ManagedUser'];
export type UserInvitation = components['schemas']['UserInvitation'];
export type UserInvite = components['schemas']['UserInvite'];
export type UserRoleName = components['schemas']['UserRoleName'];
export type UserStatus = ManagedUser['status'];

export interface UserQuery {
  page?: number;
  limit?: number;
  q?: string;
  role?: UserRoleName;
  status?: UserStatus;
  entity_id?: string;
}

export const PLATFORM_ROLE_NAMES: readonly UserRoleName[] = ['admin', 'operator', 'compliance'];
export const ENTITY_ROLE_NAMES: readonly UserRoleName[] = ['owner', 'member'];

export function usersService(api: Api) {
  const id = (v: string) => ({ path: { id: v } });
  return {
    list: (query: UserQuery = {}) =>
      api.unwrap<Page<ManagedUser>>(api.client.GET('/users', { params: { query: { limit: 50, ...query } } })),
    invite: (body: UserInvite) => api.unwrap<UserInvitation>(api.client.POST('/users', { body })),
    update: (userId: string, patch: { name?: string; role?: UserRoleName }) =>
      api.unwrap<ManagedUser>(api.client.PATCH('/users/{id}', { params: id(userId), body: patch })),
    deactivate: (userId: string) => api.unwrap<ManagedUser>(api.client.POST('/users/{id}/deactivate', { params: id(userId) })),
    reactivate: (userId: string) => api.unwrap<ManagedUser>(api.client.POST('/users/{id}/reactivate', { params: id(userId) })),
    resetMfa: (userId: string) => api.unwrap<ManagedUser>(api.client.POST('/users/{id}/mfa-reset', { params: id(userId) })),
    reinvite: (userId: string) => api.unwrap<UserInvitation>(api.client.POST('/users/{id}/invitation', { params: id(userId) })),
    setPassword: (token: string, password: string) =>
      api.unwrap<unknown>(api.client.POST('/auth/set-password', { body: { token, password } })).then(() => undefined),
  };
}

export type UsersService = ReturnType<typeof usersService>;

/** The token of a set-password link: it travels in the fragment (`#token=…`), never the query. */
export function tokenFromHash(hash: string): string | undefined {
  const m = /(?:^#|&)token=([^&]+)/.exec(hash);
  return m ? decodeURIComponent(m[1]!) : undefined;
}
