/**
 * User sessions: a random opaque token handed to the client once; only its SHA-256 lives in
 * `user_sessions`. Sessions end at an absolute expiry or after an idle period, whichever first.
 */
import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import type { Actor, EntityRole, Origin, UserRecordRole } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import { mfaRequiredFor, type MfaState, type UserRole } from '../../domain/policy.js';
import { keyedHash, keyedHashes, randomToken, sha256, type KeySource } from '../../platform/crypto.js';
import type { Config } from '../../platform/config.js';
import { audit } from './audit.js';
import { CredentialCache } from './authCache.js';
import * as identity from '../../db/repositories/identity.js';

export const SESSION_TOKEN_PREFIX = 'trs_';
const TOUCH_EVERY_MS = 60_000;

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: UserRecordRole;
  entity_id: string | null;
  entity_role: EntityRole | null;
  mfa_enabled: boolean;
  entity_type?: 'retailer' | 'wholesaler' | 'both' | null;
  entity_name?: string | null;
}

export interface SessionDeps {
  sequelize: Sequelize;
  config: Config;
}

export interface ResolvedSession {
  sessionId: string;
  user: UserRecord;
  mfa: MfaState;
  actor: Actor;
}

/** The role the rules know the user by: platform role, or owner/member of their entity. */
export const effectiveRole = (u: Pick<UserRecord, 'role' | 'entity_role'>): UserRole | undefined =>
  u.role === 'entity' ? (u.entity_role ?? undefined) : u.role;

export function mfaStateOf(user: Pick<UserRecord, 'role' | 'entity_role' | 'mfa_enabled'>, sessionVerified: boolean): MfaState {
  if (sessionVerified) return 'verified';
  if (user.mfa_enabled) return 'pending';
  const role = effectiveRole(user);
  return role && mfaRequiredFor(role) ? 'enrollment_required' : 'verified';
}

export function actorOfUser(u: UserRecord, sessionId?: string): Actor {
  const role = effectiveRole(u);
  return {
    kind: 'user',
    id: u.id,
    // An entity user with no entity role holds nothing; 'member' would be a silent upgrade.
    role: role ?? 'partner',
    ...(u.role === 'entity' && u.entity_id ? { entityId: u.entity_id } : {}),
    ...(u.entity_type ? { entityType: u.entity_type } : {}),
    label: u.email,
    ...(sessionId ? { sessionId } : {}),
  };
}

/** The CSRF token belonging to a session: derivable by the server, unguessable without the token. */
export const csrfTokenFor = (appSecret: string, sessionToken: string): string => keyedHash(appSecret, 'csrf', sessionToken);
/** Every CSRF token the session may carry: one issued before an APP_SECRET rotation stays good for the session's life. */
export const csrfTokensFor = (keys: KeySource, sessionToken: string): string[] => keyedHashes(keys, 'csrf', sessionToken);

export function normaliseUser(row: Record<string, unknown>): UserRecord {
  return {
    id: row.id as string,
    email: row.email as string,
    name: row.name as string,
    role: row.role as UserRecordRole,
    entity_id: (row.entity_id as string | null) ?? null,
    entity_role: (row.entity_role as EntityRole | null) ?? null,
    mfa_enabled: Boolean(Number(row.mfa_enabled)),
    entity_type: (row.entity_type as UserRecord['entity_type']) ?? null,
    entity_name: (row.entity_name as string | null) ?? null,
  };
}

/** Shared by every session service of the process, so a revoke anywhere here forgets at once. */
export const sessionCache = new CredentialCache<ResolvedSession>();

export function createSessionService(deps: SessionDeps) {
  const { sequelize } = deps;
  const ttlMs = () => deps.config.auth.sessionTtlMinutes * 60_000;
  const idleMs = () => deps.config.auth.sessionIdleMinutes * 60_000;

  return {
    async create(userId: string, opts: { mfaVerified: boolean; ip?: string; userAgent?: string }) {
      const token = SESSION_TOKEN_PREFIX + randomToken(32);
      const id = randomUUID();
      const now = Date.now();
      const expiresAt = new Date(now + ttlMs());
      const idleAt = new Date(Math.min(now + idleMs(), expiresAt.getTime()));
      await identity.insertSession(sequelize, {
        id,
        userId,
        tokenHash: sha256(token),
        expiresAt,
        idleAt,
        lastUsedAt: new Date(now),
        mfaVerified: opts.mfaVerified,
        ip: opts.ip?.slice(0, 64) ?? null,
        userAgent: opts.userAgent?.slice(0, 512) ?? null,
      });
      return { id, token, expiresAt };
    },

    /** The live session for a token, or undefined (unknown, revoked, expired, idle, user disabled). */
    async resolve(token: string): Promise<ResolvedSession | undefined> {
      if (!token.startsWith(SESSION_TOKEN_PREFIX) || token.length > 100) return undefined;
      const hit = sessionCache.get(token);
      if (hit) return hit;
      const row = await identity.sessionByTokenHash(sequelize, sha256(token));
      if (!row) return undefined;
      const now = Date.now();
      const expires = new Date(row.expires_at as string).getTime();
      const idle = new Date(row.idle_expires_at as string).getTime();
      if (now >= expires || now >= idle) return undefined;
      const sessionId = row.session_id as string;
      const lastUsed = row.last_used_at ? new Date(row.last_used_at as string).getTime() : 0;
      if (now - lastUsed > TOUCH_EVERY_MS) {
        // Sliding idle window, written at most once a minute per session.
        await identity.touchSession(sequelize, sessionId, new Date(now), new Date(Math.min(now + idleMs(), expires)));
      }
      const user = normaliseUser(row);
      const resolved: ResolvedSession = { sessionId, user, mfa: mfaStateOf(user, Boolean(Number(row.mfa_verified))), actor: actorOfUser(user, sessionId) };
      // Only settled sessions: one that still owes its second factor changes state on verify
      // (written elsewhere), and must not be answered from memory afterwards.
      if (resolved.mfa === 'verified') sessionCache.set(token, resolved, Math.min(expires, idle));
      return resolved;
    },

    /**
     * Read-only liveness of a session by id (open WebSockets ask every heartbeat): not revoked, not
     * expired or idle, user not disabled. Does not slide the idle window — an open tab is not activity.
     */
    async isLive(sessionId: string): Promise<boolean> {
      return identity.isSessionLive(sequelize, sessionId, new Date());
    },

    async markMfaVerified(sessionId: string): Promise<void> {
      await identity.markSessionMfaVerified(sequelize, sessionId);
    },

    /**
     * Ends one of the actor's own sessions (sign-out is the current one) and records who did it:
     * `action` tells a sign-out from revoking another device's session.
     */
    async revoke(actor: Actor, sessionId: string, action: 'auth.logout' | 'auth.session_revoked', origin: Origin): Promise<void> {
      // Only the user's own sessions: the user id comes from the actor, never from the request.
      if (actor.kind !== 'user') throw new AppError('FORBIDDEN', 'This operation needs a user session, not an API key');
      const changed = await identity.revokeSession(sequelize, actor.id, sessionId, new Date());
      // After the write: a lookup racing it cannot put the session back.
      sessionCache.forgetWhere((s) => s.sessionId === sessionId);
      if (changed === 0) throw notFound('Session', sessionId);
      await audit(sequelize, actor, { action, targetType: 'user_session', targetId: sessionId }, origin);
    },

    async list(userId: string, currentSessionId: string | undefined, page: number, limit: number) {
      const { rows, total } = await identity.liveSessionsPage(sequelize, userId, new Date(), limit, (page - 1) * limit);
      const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
      return {
        data: rows.map((r) => ({
          id: r.id as string,
          created_at: iso(r.created_at),
          last_used_at: iso(r.last_used_at),
          expires_at: iso(r.expires_at),
          idle_expires_at: iso(r.idle_expires_at),
          ip: (r.ip as string | null) ?? null,
          user_agent: (r.user_agent as string | null) ?? null,
          mfa_verified: Boolean(Number(r.mfa_verified)),
          current: r.id === currentSessionId,
        })),
        pagination: { page, limit, total, total_pages: Math.ceil(total / limit) },
      };
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
