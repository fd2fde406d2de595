/**
 * Who is signed in and what they may do. The API's `/auth/me` is the source of truth; the
 * console only hides or disables actions (the API enforces them). While the identity service is
 * not deployed (no route), the API acts as a development admin and so does the console.
 */
import { writable, get, type Readable } from 'svelte/store';
import { ApiError } from '../api/http.js';
import type { Me } from '../services/auth.js';

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous'; error?: string }
  | { status: 'mfa'; email?: string }
  | { status: 'signed-in'; me: Me }
  | { status: 'development'; me: Me };

/** Actions the console offers, the permission each needs (domain/policy.ts), and why not. */
export const ACTIONS = {
  'orders.transition': { permission: 'orders:write', reason: 'Your role cannot move orders through their lifecycle.' },
  'orders.metrc-check': { permission: 'orders:metrc-check', reason: "Only the order's wholesaler and compliance staff can ask METRC for the manifest." },
  'workflows.operate': { permission: 'workflows:write', reason: 'Only operators and admins can cancel, terminate or signal workflows.' },
  'compliance.fix': { permission: 'compliance:write', reason: 'Only compliance staff and admins can correct, retry or discard METRC submissions.' },
  'deadletters.act': { permission: 'dead-letters:write', reason: 'Only platform staff can act on dead letters.' },
  'syncs.operate': { permission: 'sync:write', reason: 'Your role cannot run, pause or resume syncs.' },
  'apikeys.manage': { permission: 'api-keys:manage', reason: 'Only admins and entity owners manage API keys.' },
  'users.read': { permission: 'users:read', reason: 'Only admins and entity owners see users.' },
  'users.manage': { permission: 'users:manage', reason: 'Only admins and entity owners invite and change users.' },
  'metrc.keys': { permission: 'metrc-credentials:manage', reason: "Only platform staff and entity owners manage a licence's METRC key." },
} as const;
export type Action = keyof typeof ACTIONS;

/** Console sections and the read permission each needs, for role-aware navigation. */
export const SECTIONS = [
  { href: '/', label: 'Dashboard', permission: 'dashboard:read' },
  { href: '/orders', label: 'Orders', permission: 'orders:read' },
  { href: '/workflows', label: 'Workflows', permission: 'workflows:read' },
  { href: '/syncs', label: 'Syncs', permission: 'sync:read' },
  { href: '/pos-connections', label: 'POS connections', permission: 'sync:read' },
  { href: '/compliance', label: 'Compliance', permission: 'compliance:read' },
  { href: '/inventory', label: 'Inventory', permission: 'inventory:read' },
  { href: '/reports', label: 'Reports', permission: 'reports:read' },
  { href: '/audit', label: 'Audit log', permission: 'audit:read' },
  { href: '/users', label: 'Users', permission: 'users:read' },
  { href: '/metrc-keys', label: 'METRC keys', permission: 'metrc-credentials:manage' },
  { href: '/settings', label: 'Settings', permission: 'auth:self' },
] as const;

export const DEVELOPMENT_ME: Me = {
  user: { id: 'dev', email: 'development', name: 'Development (no sign-in)', role: 'admin', entity_id: null, entity_role: null },
  role: 'admin',
  entity: null,
  permissions: ['*'],
  mfa: { enabled: false, verified: false },
};

export function permits(me: Me | undefined, permission: string): boolean {
  if (!me) return false;
  return me.permissions.includes('*') || me.permissions.includes(permission);
}

export interface AuthPort {
  me(): Promise<Me>;
  login(email: string, password: string): Promise<{ mfa_required: boolean }>;
  verifyMfa(code: string): Promise<unknown>;
  logout(): Promise<void>;
}

export function createSession(auth: AuthPort) {
  const store = writable<SessionState>({ status: 'loading' });

  async function refresh(): Promise<SessionState> {
    try {
      // A session still owing its second factor is refused here with MFA_REQUIRED (below).
      store.set({ status: 'signed-in', me: await auth.me() });
    } catch (err) {
      if (err instanceof ApiError && err.unavailable) store.set({ status: 'development', me: DEVELOPMENT_ME });
      else if (err instanceof ApiError && err.code === 'MFA_REQUIRED') store.set({ status: 'mfa' });
      else if (err instanceof ApiError && err.status === 401) store.set({ status: 'anonymous' });
      else store.set({ status: 'anonymous', error: err instanceof Error ? err.message : 'Could not reach the API' });
    }
    return get(store);
  }

  const me = (): Me | undefined => {
    const s = get(store);
    return s.status === 'signed-in' || s.status === 'development' ? s.me : undefined;
  };

  return {
    subscribe: store.subscribe as Readable<SessionState>['subscribe'],
    refresh,
    /** Resolves to 'mfa' when a second factor is owed, else the refreshed state. */
    async login(email: string, password: string): Promise<SessionState> {
      const r = await auth.login(email, password);
      if (r.mfa_required) {
        store.set({ status: 'mfa', email });
        return get(store);
      }
      return refresh();
    },
    async verifyMfa(code: string): Promise<SessionState> {
      await auth.verifyMfa(code);
      return refresh();
    },
    async logout(): Promise<void> {
      try {
        await auth.logout();
      } finally {
        store.set({ status: 'anonymous' });
      }
    },
    /** Unauthorised answers anywhere end the session in the UI. */
    expired(): void {
      const s = get(store);
      if (s.status === 'signed-in') store.set({ status: 'anonymous', error: 'Your session ended; sign in again.' });
    },
    entityId(): string | undefined {
      return me()?.entity?.id ?? undefined;
    },
    can(permission: string): boolean {
      return permits(me(), permission);
    },
    /** `{ allowed, reason }` for an action button: disabled with the reason when not allowed. */
    check(action: Action): { allowed: boolean; reason: string } {
      const a = ACTIONS[action];
      const allowed = permits(me(), a.permission);
      return { allowed, reason: allowed ? '' : a.reason };
    },
  };
}
export type Session = ReturnType<typeof createSession>;
