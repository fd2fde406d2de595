/**
 * Administering people: invite, list, change role, deactivate/reactivate, reset MFA, and the
 * public half of an invitation (set a password with the one-time link).
 *
 * Who may act on whom: platform admins on everybody; an entity owner only on the owners and
 * members of their own entity (anyone else answers 404, as another tenant's objects do
 * everywhere) and never grants a platform role (403). Every change is audited without secrets.
 *
 * Invitation links carry a 256-bit random token; only its keyed hash is stored, a link works
 * once, expires, and a newer link for the same user voids the older one. Until notifications
 * exist the link is answered once, to the inviter, in the create answer.
 */
import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { isDuplicate } from '../../db/tx.js';
import { isPlatform, tenantOf, type Actor, type Origin } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import { passwordProblem } from '../../domain/passwords.js';
import { ENTITY_ROLES, PLATFORM_ROLES, type UserRole } from '../../domain/policy.js';
import type { Config } from '../../platform/config.js';
import { hashPassword, keyedHash, keyedHashes, keyringOf, randomToken } from '../../platform/crypto.js';
import { models } from '../../db/models.js';
import * as db from '../../db/repositories/users.js';
import { audit } from './audit.js';
import { apiKeyCache } from './authApiKeys.js';
import { sessionCache } from './authSessions.js';
import { ownedBy, requireInScope } from './tenancy.js';

export const INVITATION_PREFIX = 'tri_';
export const INVITATION_TTL_MS = 72 * 3_600_000;
const TOKEN_PATTERN = /^tri_[A-Za-z0-9_-]{43}$/;

export interface UserDeps {
  sequelize: Sequelize;
  config: Config;
}

const isPlatformRole = (r: string): r is (typeof PLATFORM_ROLES)[number] => (PLATFORM_ROLES as readonly string[]).includes(r);
const isEntityRole = (r: string): r is (typeof ENTITY_ROLES)[number] => (ENTITY_ROLES as readonly string[]).includes(r);

export const invitationHash = (appSecret: string, token: string) => keyedHash(appSecret, 'invitation', token);

/** The role the API speaks: platform role, or owner/member of the user's entity. */
export const apiRole = (u: db.UserAdminRow): UserRole | null => (u.role === 'entity' ? ((u.entity_role as UserRole | null) ?? null) : (u.role as UserRole));

/** In-process credential caches must not answer for a user whose standing just changed. */
function forgetCachedCredentials(userId: string, keyIds: string[] = []): void {
  sessionCache.forgetWhere((s) => s.user.id === userId);
  if (keyIds.length) apiKeyCache.forgetWhere((k) => keyIds.includes(k.actor.id));
}

export function createUserService(deps: UserDeps) {
  const { sequelize, config } = deps;

  /** The user as the caller may see them, or 404. */
  async function visible(actor: Actor, id: string) {
    const u = await db.findUser(sequelize, id, tenantOf(actor));
    if (!u) throw notFound('User', id);
    return u;
  }

  function newInvitation(userId: string) {
    const token = INVITATION_PREFIX + randomToken(32);
    const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
    return {
      row: { id: randomUUID(), userId, tokenHash: invitationHash(config.appSecret, token), expiresAt },
      answer: {
        token,
        // In the fragment, not the query: browsers never send it to a server or in a Referer.
        url: `${config.publicUrl.replace(/\/$/, '')}/set-password#token=${token}`,
        expires_at: expiresAt.toISOString(),
      },
    };
  }

  return {
    async list(actor: Actor, p: { page: number; limit: number; q?: string; role?: string; status?: 'active' | 'invited' | 'disabled'; entity_id?: string }) {
      const tenant = tenantOf(actor);
      const { rows, total } = await db.listUsers(sequelize, {
        ...(tenant ? { tenant } : {}),
        ...(p.entity_id ? { entityId: p.entity_id } : {}),
        ...(p.role ? { role: p.role } : {}),
        ...(p.status ? { status: p.status } : {}),
        ...(p.q ? { q: p.q } : {}),
        page: p.page,
        limit: p.limit,
      });
      return { data: rows, pagination: { page: p.page, limit: p.limit, total, total_pages: Math.ceil(total / p.limit) } };
    },

    async get(actor: Actor, id: string) {
      return visible(actor, id);
    },

    async invite(actor: Actor, input: { email: string; name: string; role: string; entity_id?: string | null }, origin: Origin = {}) {
      const tenant = tenantOf(actor);
      const email = input.email.trim().toLowerCase();
      if (!input.name.trim()) throw new AppError('VALIDATION_ERROR', 'name must not be blank', { field: 'name' });
      let entityId: string | null;
      if (isPlatformRole(input.role)) {
        if (!isPlatform(actor)) throw new AppError('FORBIDDEN', 'Only platform admins may invite platform staff', { field: 'role' });
        if (input.entity_id) throw new AppError('UNPROCESSABLE_ENTITY', 'Platform staff belong to no entity; leave entity_id out', { field: 'entity_id' });
        entityId = null;
      } else if (isEntityRole(input.role)) {
        entityId = input.entity_id ?? tenant ?? null;
        if (!entityId) throw new AppError('VALIDATION_ERROR', 'entity_id is required for owners and members', { field: 'entity_id', issue: 'required' });
        // Another tenant's entity is invisible (404); staff naming none get 422.
        await requireInScope({ model: 'Entity', id: entityId, field: 'entity_id', scope: ownedBy('id')(actor), missing: tenant ? 'not_found' : 'unprocessable' }, { models: models(sequelize) });
      } else {
        throw new AppError('VALIDATION_ERROR', `Unknown role "${input.role}"`, { field: 'role' });
      }
      if (await db.emailTaken(sequelize, email)) throw new AppError('CONFLICT', 'A user with this email already exists', { field: 'email' });

      const id = randomUUID();
      const inv = newInvitation(id);
      // Nobody knows this password; the account is unusable until the link sets one.
      const placeholder = await hashPassword(randomToken(32));
      try {
        await sequelize.transaction(async (transaction) => {
          await db.insertUser(
            sequelize,
            { id, email, name: input.name.trim(), passwordHash: placeholder, role: entityId ? 'entity' : input.role, entityId, entityRole: entityId ? input.role : null, invitationPending: true },
            transaction,
          );
          await db.replaceInvitation(sequelize, { ...inv.row, createdBy: actor.kind === 'user' ? actor.id : null }, transaction);
          await audit(sequelize, actor, { action: 'user.invited', targetType: 'user', targetId: id, entityId, summary: { email, role: input.role, expires_at: inv.answer.expires_at } }, { transaction, ...origin });
        });
      } catch (err) {
        if (isDuplicate(err)) throw new AppError('CONFLICT', 'A user with this email already exists', { field: 'email' });
        throw err;
      }
      return { user: (await db.findUser(sequelize, id))!, invitation: inv.answer };
    },

    /** A fresh link for a user who has not set a password yet (the old link stops working). */
    async reinvite(actor: Actor, id: string, origin: Origin = {}) {
      const u = await visible(actor, id);
      if (!u.invitation_pending) throw new AppError('CONFLICT', 'This user has already set a password', { status: 'active' });
      if (u.disabled_at) throw new AppError('CONFLICT', 'This user is deactivated; reactivate them first');
      const inv = newInvitation(id);
      await sequelize.transaction(async (transaction) => {
        await db.replaceInvitation(sequelize, { ...inv.row, createdBy: actor.kind === 'user' ? actor.id : null }, transaction);
        await audit(sequelize, actor, { action: 'user.reinvited', targetType: 'user', targetId: id, entityId: u.entity_id, summary: { expires_at: inv.answer.expires_at } }, { transaction, ...origin });
      });
      return { user: u, invitation: inv.answer };
    },

    async update(actor: Actor, id: string, patch: { name?: string; role?: string }, origin: Origin = {}) {
      const tenant = tenantOf(actor);
      const result = await sequelize.transaction(async (transaction) => {
        const u = await db.findUser(sequelize, id, tenant, transaction);
        if (!u) throw notFound('User', id);
        const fields: { name?: string; role?: string; entity_role?: string | null } = {};
        const before = apiRole(u);
        if (patch.name !== undefined && !patch.name.trim()) throw new AppError('VALIDATION_ERROR', 'name must not be blank', { field: 'name' });
        if (patch.name !== undefined && patch.name.trim() !== u.name) fields.name = patch.name.trim();
        if (patch.role !== undefined && patch.role !== before) {
          if (actor.kind === 'user' && actor.id === id) throw new AppError('UNPROCESSABLE_ENTITY', 'You cannot change your own role', { field: 'role' });
          if (isPlatformRole(patch.role)) {
            if (!isPlatform(actor)) throw new AppError('FORBIDDEN', 'Only platform admins may grant platform roles', { field: 'role' });
            if (u.role === 'entity') throw new AppError('UNPROCESSABLE_ENTITY', "An entity's user cannot become platform staff; invite a separate account", { field: 'role' });
            if (u.role === 'admin' && !u.disabled_at && (await db.countActiveAdmins(sequelize, transaction)) <= 1) throw new AppError('CONFLICT', 'This is the last active admin', { field: 'role' });
            fields.role = patch.role;
          } else if (isEntityRole(patch.role)) {
            if (u.role !== 'entity') throw new AppError('UNPROCESSABLE_ENTITY', 'Platform staff cannot become an entity role; invite a separate account', { field: 'role' });
            fields.entity_role = patch.role;
          } else {
            throw new AppError('VALIDATION_ERROR', `Unknown role "${patch.role}"`, { field: 'role' });
          }
        }
        if (!Object.keys(fields).length) return { u, changed: false };
        await db.updateUserFields(sequelize, id, fields, transaction);
        const roleChanged = fields.role !== undefined || fields.entity_role !== undefined;
        // A new role may need a second factor the old sessions never showed: sign in again.
        const revoked = roleChanged ? await db.revokeUserSessions(sequelize, id, transaction) : 0;
        await audit(
          sequelize,
          actor,
          {
            action: roleChanged ? 'user.role_changed' : 'user.updated',
            targetType: 'user',
            targetId: id,
            entityId: u.entity_id,
            summary: { ...(fields.name !== undefined ? { name: { from: u.name, to: fields.name } } : {}), ...(roleChanged ? { role: { from: before, to: patch.role }, sessions_revoked: revoked } : {}) },
          },
          { transaction, ...origin },
        );
        return { u, changed: roleChanged };
      });
      if (result.changed) forgetCachedCredentials(id);
      return (await db.findUser(sequelize, id))!;
    },

    /** Disabled at once: sessions revoked, partner keys the user created revoked. */
    async deactivate(actor: Actor, id: string, origin: Origin = {}) {
      if (actor.kind === 'user' && actor.id === id) throw new AppError('UNPROCESSABLE_ENTITY', 'You cannot deactivate yourself');
      const tenant = tenantOf(actor);
      const keyIds = await sequelize.transaction(async (transaction) => {
        const u = await db.findUser(sequelize, id, tenant, transaction);
        if (!u) throw notFound('User', id);
        if (u.disabled_at) return [];
        if (u.role === 'admin' && (await db.countActiveAdmins(sequelize, transaction)) <= 1) throw new AppError('CONFLICT', 'This is the last active admin');
        await db.setDisabled(sequelize, id, true, transaction);
        const sessions = await db.revokeUserSessions(sequelize, id, transaction);
        const keys = await db.revokeKeysCreatedBy(sequelize, id, transaction);
        // A link handed out earlier must not outlive the deactivation (reactivation does not revive it).
        const links = await db.revokeInvitations(sequelize, id, transaction);
        await audit(sequelize, actor, { action: 'user.deactivated', targetType: 'user', targetId: id, entityId: u.entity_id, summary: { sessions_revoked: sessions, api_keys_revoked: keys, invitations_revoked: links } }, { transaction, ...origin });
        return keys;
      });
      // After the commit: a lookup racing it cannot put a session or key back into memory.
      forgetCachedCredentials(id, keyIds);
      return (await db.findUser(sequelize, id))!;
    },

    /** Lets the user sign in again; revoked sessions and keys stay revoked. */
    async reactivate(actor: Actor, id: string, origin: Origin = {}) {
      const tenant = tenantOf(actor);
      await sequelize.transaction(async (transaction) => {
        const u = await db.findUser(sequelize, id, tenant, transaction);
        if (!u) throw notFound('User', id);
        if (!u.disabled_at) return;
        await db.setDisabled(sequelize, id, false, transaction);
        await audit(sequelize, actor, { action: 'user.reactivated', targetType: 'user', targetId: id, entityId: u.entity_id }, { transaction, ...origin });
      });
      return (await db.findUser(sequelize, id))!;
    },

    /** For a lost authenticator: factors removed and sessions ended; MFA roles must enrol again at next sign-in. */
    async resetMfa(actor: Actor, id: string, origin: Origin = {}) {
      // Visibility first: a user the caller cannot see is 404 whatever else holds.
      await visible(actor, id);
      if (actor.role !== 'admin' && actor.role !== 'system') throw new AppError('FORBIDDEN', 'Only platform admins may reset a second factor');
      if (actor.kind === 'user' && actor.id === id) throw new AppError('UNPROCESSABLE_ENTITY', 'You cannot reset your own second factor; ask another admin');
      await sequelize.transaction(async (transaction) => {
        const u = await db.findUser(sequelize, id, undefined, transaction);
        if (!u) throw notFound('User', id);
        await db.clearMfa(sequelize, id, transaction);
        const sessions = await db.revokeUserSessions(sequelize, id, transaction);
        await audit(sequelize, actor, { action: 'user.mfa_reset', targetType: 'user', targetId: id, entityId: u.entity_id, summary: { had_mfa: u.mfa_enabled, sessions_revoked: sessions } }, { transaction, ...origin });
      });
      forgetCachedCredentials(id);
      return (await db.findUser(sequelize, id))!;
    },

    /** The public end of an invitation link. */
    async setPassword(input: { token: string; password: string }, origin: Origin = {}) {
      const invalid = () => new AppError('BAD_REQUEST', 'This link is invalid, expired or already used; ask for a new invitation', { field: 'token' });
      if (!TOKEN_PATTERN.test(input.token)) throw invalid();
      // A link handed out before an APP_SECRET rotation was hashed under the previous key.
      let hash = '';
      let pending: Awaited<ReturnType<typeof db.peekInvitation>>;
      for (const h of keyedHashes(keyringOf(config), 'invitation', input.token)) {
        pending = await db.peekInvitation(sequelize, h);
        if (pending) {
          hash = h;
          break;
        }
      }
      if (!pending) throw invalid();
      // Checked before the link is used up, so a refused password does not cost the link.
      const problem = passwordProblem(input.password, pending.email);
      if (problem) throw new AppError('UNPROCESSABLE_ENTITY', problem.message, { field: 'password', rule: problem.rule });
      const passwordHash = await hashPassword(input.password);
      const user = await sequelize.transaction(async (transaction) => {
        const used = await db.consumeInvitation(sequelize, hash, transaction);
        if (!used) throw invalid();
        await db.setPassword(sequelize, used.userId, passwordHash, transaction);
        await db.revokeUserSessions(sequelize, used.userId, transaction);
        const self: Actor = { kind: 'user', id: used.userId, role: 'partner', label: used.email };
        await audit(sequelize, self, { action: 'user.password_set', targetType: 'user', targetId: used.userId, entityId: null, summary: { via: 'invitation' } }, { transaction, ...origin });
        return used;
      });
      forgetCachedCredentials(user.userId);
      return { email: user.email };
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
