/**
 * Partner API keys: `trk_<prefix>_<secret>`. The prefix finds the row; only a keyed hash of the
 * secret is stored and compared in constant time. Keys belong to one entity, carry scopes, may
 * expire, can be revoked, and have their own per-minute rate limit.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { isPlatform, tenantOf, type Actor, type Origin } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import { normaliseScopes } from '../../domain/policy.js';
import { models } from '../../db/models.js';
import type { Config } from '../../platform/config.js';
import { keyedHash, keyedHashes, keyIdOf, keyringOf, randomToken, safeEqual } from '../../platform/crypto.js';
import { audit } from './audit.js';
import * as keys from '../../db/repositories/apiKeys.js';
import { CredentialCache } from './authCache.js';
import { ownedBy, requireInScope, sqlScope } from './tenancy.js';

export const API_KEY_PATTERN = /^trk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const TOUCH_EVERY_MS = 60_000;

export interface ApiKeyDeps {
  sequelize: Sequelize;
  config: Config;
}

export interface ResolvedKey {
  actor: Actor;
  rateLimitPerMinute: number;
}

/** Shared by every key service of the process, so a revoke anywhere here forgets at once. */
export const apiKeyCache = new CredentialCache<ResolvedKey>();

/**
 * The per-minute limit a caller may give a key: staff (and the system) up to the contract's
 * maximum, entity owners up to the configured ceiling, so an owner cannot lift its own partner
 * integration past what the platform budgets for one key. Throws 422 above it.
 */
function assertKeyRateLimitAllowed(actor: Actor, requested: number | null | undefined, config: Config): void {
  if (requested === null || requested === undefined || isPlatform(actor)) return;
  const ceiling = config.auth.apiKeyRateLimitCeilingPerMinute;
  if (requested > ceiling) {
    throw new AppError('UNPROCESSABLE_ENTITY', `rate_limit_per_minute may be at most ${ceiling}; ask platform staff for more`, {
      field: 'rate_limit_per_minute',
      issue: `above the policy ceiling of ${ceiling}`,
      max: ceiling,
    });
  }
}

export function createApiKeyService(deps: ApiKeyDeps) {
  const { sequelize, config } = deps;
  const hashSecret = (secret: string) => keyedHash(config.appSecret, 'api-key', secret);
  const hashesOf = (secret: string) => keyedHashes(keyringOf(config), 'api-key', secret);

  return {
    async create(
      actor: Actor,
      input: { name: string; scopes: string[]; entity_id?: string; expires_at?: string | null; rate_limit_per_minute?: number | null },
      origin: Origin = {},
    ) {
      const tenant = tenantOf(actor);
      const entityId = input.entity_id ?? tenant;
      if (!entityId) throw new AppError('VALIDATION_ERROR', 'entity_id is required', { field: 'entity_id', issue: 'required for platform staff' });
      // Another tenant's entity is invisible, as everywhere else (404); staff naming none get 422.
      const missing = tenant ? 'not_found' : 'unprocessable';
      await requireInScope({ model: 'Entity', id: entityId, field: 'entity_id', scope: ownedBy('id')(actor), missing }, { models: models(sequelize) });
      assertKeyRateLimitAllowed(actor, input.rate_limit_per_minute, config);
      const scopes = normaliseScopes(input.scopes);
      if (!scopes.length) throw new AppError('VALIDATION_ERROR', 'At least one scope is required', { field: 'scopes' });
      const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw new AppError('VALIDATION_ERROR', 'expires_at must be in the future', { field: 'expires_at' });

      const prefix = randomBytes(6).toString('hex');
      const secret = randomToken(32);
      const id = randomUUID();
      await sequelize.transaction(async (transaction) => {
        await keys.insertApiKey(
          sequelize,
          {
            id,
            entityId,
            name: input.name,
            prefix,
            secretHash: hashSecret(secret),
            secretKeyId: keyIdOf(config.appSecret),
            scopes: scopes.join(' '),
            rateLimitPerMinute: input.rate_limit_per_minute ?? null,
            createdBy: actor.kind === 'user' ? actor.id : null,
            expiresAt,
          },
          transaction,
        );
        await audit(sequelize, actor, { action: 'api_key.created', targetType: 'api_key', targetId: id, entityId, summary: { name: input.name, scopes, expires_at: expiresAt } }, { transaction, ...origin });
      });
      // The full key exists only here: the caller shows it once, only its hash is kept.
      return { row: (await keys.apiKeyById(sequelize, id))!, key: `trk_${prefix}_${secret}` };
    },

    /** One key (never its secret), revoked ones included; another tenant's is not found. */
    async get(actor: Actor, id: string) {
      const row = await keys.apiKeyById(sequelize, id, sqlScope(actor, ['entity_id']));
      if (!row) throw notFound('API key', id);
      return row;
    },

    async list(actor: Actor, params: { page: number; limit: number; entity_id?: string; include_revoked?: boolean }) {
      const conditions = [...(params.entity_id ? [keys.ofEntity(params.entity_id)] : []), ...(params.include_revoked ? [] : [keys.notRevoked])];
      const { rows, total } = await keys.apiKeysPage(sequelize, conditions, sqlScope(actor, ['entity_id']), params.limit, (params.page - 1) * params.limit);
      return {
        data: rows,
        pagination: { page: params.page, limit: params.limit, total, total_pages: Math.ceil(total / params.limit) },
      };
    },

    async revoke(actor: Actor, id: string, origin: Origin = {}): Promise<void> {
      const tenant = tenantOf(actor);
      await sequelize.transaction(async (transaction) => {
        if ((await keys.revokeApiKey(sequelize, id, tenant, new Date(), transaction)) === 0) throw notFound('API key', id);
        await audit(sequelize, actor, { action: 'api_key.revoked', targetType: 'api_key', targetId: id, entityId: tenant ?? null }, { transaction, ...origin });
      });
      // After the commit: a lookup racing the revoke cannot put the key back.
      apiKeyCache.forgetWhere((k) => k.actor.id === id);
    },

    /** Whether the key is still usable (not revoked, not expired): read from the database, not the cache. */
    async isLive(id: string): Promise<boolean> {
      return keys.isApiKeyLive(sequelize, id, new Date());
    },

    /** The key's actor, or undefined for anything not a live key (malformed, unknown, revoked, expired). */
    async resolve(presented: string): Promise<ResolvedKey | undefined> {
      const m = API_KEY_PATTERN.exec(presented);
      if (!m) return undefined;
      const hit = apiKeyCache.get(presented);
      if (hit) return hit;
      const row = await keys.apiKeyByPrefix(sequelize, m[1]!);
      // Compare even when no row matched, so an unknown prefix costs the same as a wrong secret.
      const stored = (row?.secret_hash as string | undefined) ?? '0'.repeat(64);
      const candidates = hashesOf(m[2]!);
      const matched = candidates.findIndex((h) => safeEqual(h, stored));
      if (!row || matched < 0 || row.revoked_at) return undefined;
      // Hashed under a previous APP_SECRET (or not yet recorded as current): re-hash under the
      // current one now that we hold the secret, so the key keeps working once
      // APP_SECRET_PREVIOUS is dropped; `npm run rotate-secrets` counts the keys still waiting.
      const currentId = keyIdOf(config.appSecret);
      if (matched > 0 || row.secret_key_id !== currentId) {
        await keys.rehashApiKey(sequelize, String(row.id), stored, candidates[0]!, currentId);
      }
      if (row.expires_at && new Date(row.expires_at as string).getTime() <= Date.now()) return undefined;
      const lastUsed = row.last_used_at ? new Date(row.last_used_at as string).getTime() : 0;
      if (Date.now() - lastUsed > TOUCH_EVERY_MS) {
        await keys.touchApiKey(sequelize, String(row.id), new Date());
      }
      const resolved: ResolvedKey = {
        actor: {
          kind: 'api_key',
          id: row.id as string,
          role: 'partner',
          entityId: row.entity_id as string,
          entityType: row.entity_type as Actor['entityType'],
          scopes: String(row.scopes).split(' ').filter(Boolean),
          label: `key ${String(row.name)}`,
        },
        rateLimitPerMinute: row.rate_limit_per_minute === null ? config.auth.apiKeyRateLimitPerMinute : Number(row.rate_limit_per_minute),
      };
      apiKeyCache.set(presented, resolved, row.expires_at ? new Date(row.expires_at as string).getTime() : Infinity);
      return resolved;
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
