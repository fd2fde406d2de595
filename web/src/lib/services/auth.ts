import type { Api } from '../api/http.js';
import type { LoginResult, Me } from './types.js';

export function authService(api: Api) {
  return {
    login: (email: string, password: string) => api.call<LoginResult>('POST', '/auth/login', { body: { email, password } }),
    verifyMfa: (code: string) => api.call<LoginResult | Me>('POST', '/auth/mfa/verify', { body: { code } }),
    logout: () => api.call<void>('POST', '/auth/logout', { body: {} }),
    me: () => api.call<Me>('GET', '/auth/me'),
  };
}
