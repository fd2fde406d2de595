/**
 * Who may do what: the one place with the access rules (roles × permissions × API-key scopes).
 *
 * Every operation in openapi/openapi.yaml names ONE permission from this table in its
 * `x-trellis-permission` extension. The API refuses to start (and the authorization-matrix test
 * fails) when an operation names none or an unknown one. Tenancy — *which* rows an allowed
 * caller sees — is not decided here but by the resources' readScope/writeScope (another tenant's
 * object answers 404); this table only decides whether the caller may attempt the operation.
 *
 * To add a rule: add an entry here (or reuse one), then put `x-trellis-permission: <name>` on the
 * operation and, when `scopes` is non-empty, `security` listing `apiKey: [<those scopes>]` next to
 * the session schemes (the startup check says exactly what it expects).
 */
import type { Actor } from './actor.js';

export const PLATFORM_ROLES = ['admin', 'operator', 'compliance'] as const;
export const ENTITY_ROLES = ['owner', 'member'] as const;
export type UserRole = (typeof PLATFORM_ROLES)[number] | (typeof ENTITY_ROLES)[number];

/** Roles whose sessions only count once a second factor was shown. */
// Operators too: they act platform-wide (every tenant's POS connections and workflows).
export const MFA_REQUIRED_ROLES: readonly UserRole[] = ['admin', 'operator', 'compliance'];

/** Scopes a partner API key can carry. A `:write` scope includes the matching `:read`. */
export const API_KEY_SCOPES = ['orders:read', 'orders:write', 'catalog:read', 'catalog:write', 'inventory:read', 'inventory:write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface PermissionRule {
  description: string;
  /** User roles holding the permission, or 'public' for operations anyone may call (sign-in). */
  roles: readonly UserRole[] | 'public';
  /** API-key scopes that grant it (any one suffices); empty = API keys may not. */
  scopes: readonly ApiKeyScope[];
  /**
   * What a session that still owes its second factor may do: 'always' (sign out, verify),
   * 'enrollment' (only while the user has no factor yet: enrol and confirm one). Default: nothing.
   */
  whileMfaPending?: 'always' | 'enrollment';
}

const ALL_USERS: readonly UserRole[] = ['admin', 'operator', 'compliance', 'owner', 'member'];
const STAFF: readonly UserRole[] = ['admin', 'operator', 'compliance'];
const TRADERS: readonly UserRole[] = ['admin', 'operator', 'owner', 'member'];
const ANY_SCOPE = API_KEY_SCOPES;

export const PERMISSIONS = {
  // Identity
  'auth:login': { description: 'Sign in', roles: 'public', scopes: [] },
  // The link in every email: the signed token is the credential, so anyone holding the email may use it.
  'notifications:unsubscribe': { description: "Turn a category's email off from an email's one-click link", roles: 'public', scopes: [] },
  'auth:logout': { description: 'Sign out', roles: ALL_USERS, scopes: [], whileMfaPending: 'always' },
  'auth:mfa-verify': { description: 'Complete sign-in with a second factor', roles: ALL_USERS, scopes: [], whileMfaPending: 'always' },
  'auth:mfa-enroll': { description: 'Enrol a TOTP authenticator', roles: ALL_USERS, scopes: [], whileMfaPending: 'enrollment' },
  'auth:self': { description: 'See my account and manage my sessions', roles: ALL_USERS, scopes: [] },
  // Every signed-in user has a bell; the rows are confined to their recipient, not to a tenant.
  'notifications:self': { description: 'Read and mark my in-app notifications', roles: ALL_USERS, scopes: [] },
  'api-keys:manage': { description: "Create, list and revoke an entity's partner API keys", roles: ['admin', 'owner'], scopes: [] },
  'audit:read': { description: 'Read the audit log', roles: ['admin'], scopes: [] },
  'users:read': { description: 'List users (platform: all; owners: their entity)', roles: ['admin', 'owner'], scopes: [] },
  'users:manage': { description: 'Invite, change and disable users', roles: ['admin', 'owner'], scopes: [] },
  'metrc-credentials:manage': { description: "Store, test and remove a licence's METRC user key (owners: their entity's licences)", roles: ['admin', 'operator', 'compliance', 'owner'], scopes: [] },

  // Directory and catalog (public record among signed-in parties)
  'directory:read': { description: 'Read entities and licensed locations', roles: ALL_USERS, scopes: ANY_SCOPE },
  'entities:manage': { description: 'Register and delete licensed entities', roles: ['admin', 'operator'], scopes: [] },
  'entities:update': { description: "Update an entity's profile", roles: ['admin', 'operator', 'owner'], scopes: [] },
  'locations:write': { description: 'Add, change and delete locations', roles: ['admin', 'operator', 'owner'], scopes: [] },
  'catalog:read': { description: 'Read products and variants', roles: ALL_USERS, scopes: ['catalog:read', 'catalog:write'] },
  'catalog:write': { description: 'Change products and variants', roles: TRADERS, scopes: ['catalog:write'] },
  // What can be ordered, from whom, where: other tenants' available quantities (never their stock
  // rows). A key that places orders needs it as much as a catalog reader does.
  'catalog:browse': { description: "Browse wholesalers' catalogue with available quantities", roles: ALL_USERS, scopes: ['catalog:read', 'catalog:write', 'orders:write'] },
  'inventory:read': { description: 'Read stock levels', roles: ALL_USERS, scopes: ['inventory:read', 'inventory:write'] },
  'inventory:write': { description: 'Change stock levels', roles: TRADERS, scopes: ['inventory:write'] },

  // Orders
  'orders:read': { description: 'Read orders, lines and their timeline', roles: ALL_USERS, scopes: ['orders:read', 'orders:write'] },
  'orders:write': { description: 'Place, change and move orders through their lifecycle', roles: TRADERS, scopes: ['orders:write'] },
  'orders:metrc-check': { description: "Ask for an order's METRC manifest to be looked for now (the order's wholesaler; compliance staff)", roles: ['admin', 'compliance', 'owner', 'member'], scopes: ['orders:write'] },
  'orders:override': { description: 'Compliance overrides on an order (e.g. ship without a matched manifest)', roles: ['admin', 'compliance'], scopes: [] },

  // Operations and compliance (platform staff)
  'compliance:read': { description: 'Read METRC submissions and dead letters', roles: STAFF, scopes: [] },
  'compliance:write': { description: 'Correct, retry and discard METRC submissions', roles: ['admin', 'compliance'], scopes: [] },
  'dead-letters:write': { description: 'Retry or discard dead letters across queues', roles: STAFF, scopes: [] },
  'sync:read': { description: 'Read POS connections and sync runs', roles: ['admin', 'operator', 'compliance', 'owner'], scopes: [] },
  'sync:write': { description: 'Configure POS connections; run, pause and resume syncs', roles: ['admin', 'operator', 'owner'], scopes: [] },
  'workflows:read': { description: 'Read workflows and their progress', roles: STAFF, scopes: [] },
  'workflows:write': { description: 'Cancel, terminate or signal workflows', roles: ['admin', 'operator'], scopes: [] },
  'dashboard:read': { description: 'Dashboards and reports', roles: ALL_USERS, scopes: [] },
  // Reports cover the caller's own tenant (staff: every tenant), decided in the report's queries.
  'reports:read': { description: "See and download reports (your tenant's; staff all)", roles: ALL_USERS, scopes: [] },
  'reports:write': { description: 'Request and cancel reports', roles: ALL_USERS, scopes: [] },
  'events:read': { description: 'Live updates (WebSocket or polling)', roles: ALL_USERS, scopes: ['orders:read', 'orders:write', 'inventory:read', 'inventory:write'] },
  'admin:system': { description: 'Platform maintenance (cache purge, sandboxes)', roles: ['admin'], scopes: [] },
} as const satisfies Record<string, PermissionRule>;

export type Permission = keyof typeof PERMISSIONS;

export const isPermission = (name: unknown): name is Permission => typeof name === 'string' && Object.hasOwn(PERMISSIONS, name);

export const ruleOf = (p: Permission): PermissionRule => PERMISSIONS[p];

export const isUserRole = (r: unknown): r is UserRole =>
  typeof r === 'string' && ((PLATFORM_ROLES as readonly string[]).includes(r) || (ENTITY_ROLES as readonly string[]).includes(r));

export const isApiKeyScope = (s: unknown): s is ApiKeyScope => typeof s === 'string' && (API_KEY_SCOPES as readonly string[]).includes(s);

export const mfaRequiredFor = (role: UserRole): boolean => MFA_REQUIRED_ROLES.includes(role);

/** Where a session stands with its second factor. */
export type MfaState = 'verified' | 'pending' | 'enrollment_required';

export type Decision = 'allow' | 'unauthenticated' | 'mfa_required' | 'forbidden';

/**
 * The verdict for one caller and one permission. `mfa` is the session's state (users only);
 * keys and the system have none.
 */
export function decide(actor: Actor | undefined, permission: Permission, mfa: MfaState = 'verified'): Decision {
  const rule: PermissionRule = PERMISSIONS[permission];
  if (rule.roles === 'public') return 'allow';
  if (!actor) return 'unauthenticated';
  if (actor.kind === 'system') return 'allow';
  if (actor.kind === 'api_key') {
    const scopes = actor.scopes ?? [];
    return rule.scopes.some((s) => scopes.includes(s)) ? 'allow' : 'forbidden';
  }
  if (mfa !== 'verified') {
    const ok = rule.whileMfaPending === 'always' || (rule.whileMfaPending === 'enrollment' && mfa === 'enrollment_required');
    if (!ok) return 'mfa_required';
  }
  return isUserRole(actor.role) && rule.roles.includes(actor.role) ? 'allow' : 'forbidden';
}

/** Every permission the actor holds, for the console to hide or disable what it cannot do. */
export function permissionsOf(actor: Actor): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => PERMISSIONS[p].roles !== 'public' && decide(actor, p) === 'allow');
}

/** Normalises requested key scopes: known names only, sorted, no duplicates. */
export function normaliseScopes(scopes: readonly string[]): ApiKeyScope[] {
  return [...new Set(scopes)].filter(isApiKeyScope).sort() as ApiKeyScope[];
}
