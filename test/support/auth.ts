/**
 * Credentials for tests that call the API, created directly in the test database (no login
 * round-trips, no throttling). Every test calling /api/v1 sends headers from one of these.
 *
 *   adminHeaders(deps)                                   platform admin, MFA verified (cached per deps)
 *   headersFor(deps, { role: 'operator' })               any platform role
 *   headersFor(deps, { role: 'owner', entityId })        entity owner/member (role 'entity' + entityRole works too)
 *   apiKeyHeaders(deps, { entityId, scopes })            partner API key (Bearer trk_...)
 *   createTestUser(deps, {...})                          a user with a known password (and TOTP secret) for login tests
 */
import { randomUUID } from 'node:crypto';
import { authenticator } from 'otplib';
import type { ApiDeps } from '../../api/deps.js';
import { createApiKeyService } from '../../api/services/authApiKeys.js';
import { sealMfaSecret } from '../../api/services/authMfa.js';
import { createSessionService } from '../../api/services/authSessions.js';
import type { Actor, EntityRole, PlatformRole } from '../../domain/actor.js';
import { mfaRequiredFor, type ApiKeyScope, type UserRole } from '../../domain/policy.js';
import { hashPassword } from '../../platform/crypto.js';

export type TestRole = PlatformRole | EntityRole | 'entity';

export interface TestUserOptions {
  role: TestRole;
  entityId?: string;
  entityRole?: EntityRole;
  email?: string;
  password?: string;
  /** Enrol a TOTP secret (default: for the platform roles that require it, domain/policy.ts). */
  mfa?: boolean;
  disabled?: boolean;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  /** TOTP secret in clear, when enrolled: `authenticator.generate(user.totpSecret)` makes a code. */
  totpSecret?: string;
}

// One hash for every test user: argon2 is deliberately slow and tests make many users.
let passwordHash: Promise<string> | undefined;
const TEST_PASSWORD = 'correct horse battery staple';

export async function createTestUser(deps: ApiDeps, opts: TestUserOptions): Promise<TestUser> {
  const entityRole = opts.role === 'owner' || opts.role === 'member' ? opts.role : opts.entityRole;
  const recordRole = opts.role === 'owner' || opts.role === 'member' ? 'entity' : opts.role;
  if (recordRole === 'entity' && (!opts.entityId || !entityRole)) throw new Error('entity users need entityId and entityRole');
  const password = opts.password ?? TEST_PASSWORD;
  const hash = opts.password ? await hashPassword(opts.password) : await (passwordHash ??= hashPassword(TEST_PASSWORD));
  const id = randomUUID();
  const email = (opts.email ?? `${recordRole}-${id.slice(0, 8)}@test.trellis.local`).toLowerCase();
  const mfa = opts.mfa ?? (recordRole !== 'entity' && mfaRequiredFor(opts.role as UserRole));
  const totpSecret = mfa ? authenticator.generateSecret(20) : undefined;
  await deps.sequelize.query(
    `INSERT INTO users (id, email, name, password_hash, role, entity_id, entity_role, mfa_secret_enc, mfa_enabled, disabled_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    {
      replacements: [
        id,
        email,
        `Test ${opts.role}`,
        hash,
        recordRole,
        recordRole === 'entity' ? opts.entityId : null,
        recordRole === 'entity' ? entityRole : null,
        totpSecret ? sealMfaSecret(deps.config.appSecret, totpSecret) : null,
        totpSecret ? 1 : 0,
        opts.disabled ? new Date() : null,
      ],
    },
  );
  return { id, email, password, ...(totpSecret ? { totpSecret } : {}) };
}

/** A session token for `userId`; MFA-verified unless told otherwise. */
export async function createTestSession(deps: ApiDeps, userId: string, mfaVerified = true): Promise<string> {
  const { token } = await createSessionService(deps).create(userId, { mfaVerified, ip: '127.0.0.1', userAgent: 'vitest' });
  return token;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const cache = new WeakMap<ApiDeps, Map<string, Promise<Record<string, string>>>>();
function cached(deps: ApiDeps, key: string, make: () => Promise<Record<string, string>>) {
  let m = cache.get(deps);
  if (!m) cache.set(deps, (m = new Map()));
  let p = m.get(key);
  if (!p) {
    p = make();
    p.catch(() => m!.delete(key));
    m.set(key, p);
  }
  return p;
}

/** Headers of a platform admin with an MFA-verified session; created once per deps. */
export function adminHeaders(deps: ApiDeps): Promise<Record<string, string>> {
  return headersFor(deps, { role: 'admin' });
}

/** Headers of a (cached) user with the given role; entity roles need `entityId`. */
export function headersFor(deps: ApiDeps, opts: { role: TestRole; entityId?: string; entityRole?: EntityRole }): Promise<Record<string, string>> {
  return cached(deps, `user:${opts.role}:${opts.entityRole ?? ''}:${opts.entityId ?? ''}`, async () => {
    const user = await createTestUser(deps, opts);
    return bearer(await createTestSession(deps, user.id));
  });
}

/** Headers carrying a fresh partner API key for `entityId` with `scopes`. */
export async function apiKeyHeaders(
  deps: ApiDeps,
  opts: { entityId: string; scopes: ApiKeyScope[]; rateLimitPerMinute?: number; expiresAt?: Date },
): Promise<Record<string, string>> {
  const system: Actor = { kind: 'system', id: 'test-support', role: 'system', label: 'test support' };
  const created = await createApiKeyService(deps).create(system, {
    name: `test key ${randomUUID().slice(0, 8)}`,
    scopes: opts.scopes,
    entity_id: opts.entityId,
    rate_limit_per_minute: opts.rateLimitPerMinute ?? null,
    expires_at: opts.expiresAt?.toISOString() ?? null,
  });
  return bearer(created.key);
}
