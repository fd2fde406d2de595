/** Sign-in, the second factor, sign-out and who I am, typed from openapi.yaml. */
import type { Api } from '../api/http.js';
import type { components } from '../../../../openapi/types.js';

export type Me = components['schemas']['Me'];
export type LoginResponse = components['schemas']['LoginResponse'];
export type MfaVerified = components['schemas']['MfaVerified'];

export function authService(api: Api) {
  return {
    login: (email: string, password: string) => api.unwrap<LoginResponse>(api.client.POST('/auth/login', { body: { email, password } })),
    verifyMfa: (code: string) => api.unwrap<MfaVerified>(api.client.POST('/auth/mfa/verify', { body: { code } })),
    logout: () => api.unwrap<unknown>(api.client.POST('/auth/logout')).then(() => undefined),
    me: () => api.unwrap<Me>(api.client.GET('/auth/me')),
  };
}
