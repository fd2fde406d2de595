import type { Sequelize, Transaction } from 'sequelize';
import { sqlWithinScope, type SqlCondition } from '../sqlScope.js';
import { affected } from './identity.js';

/**
 * The `api_keys` table (api/services/authApiKeys.ts decides; this file reads and writes). Only a
 * keyed hash of a key's secret is ever stored; these functions take and give that hash.
 */
type Row = Record<string, unknown>;
const COLUMNS = 'id, entity_id, name, prefix, scopes, rate_limit_per_minute, created_by_user_id, expires_at, last_used_at, revoked_at, created_at';

export async function insertApiKey(
  sequelize: Sequelize,
  k: { id: string; entityId: string; name: string; prefix: string; secretHash: string; secretKeyId: string; scopes: string; rateLimitPerMinute: number | null; createdBy: string | null; expiresAt: Date | null },
  transaction: Transaction,
): Promise<void> {
  await sequelize.query(
    `INSERT INTO api_keys (id, entity_id, name, prefix, secret_hash, secret_key_id, scopes, rate_limit_per_minute, created_by_user_id, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    { replacements: [k.id, k.entityId, k.name, k.prefix, k.secretHash, k.secretKeyId, k.scopes, k.rateLimitPerMinute, k.createdBy, k.expiresAt], transaction },
  );
}

/** A key's public columns, within `scope` (db/sqlScope.ts). */
export async function apiKeyById(sequelize: Sequelize, id: string, scope?: SqlCondition): Promise<Row | undefined> {
  const { where, replacements } = sqlWithinScope(scope, { sql: 'id = ?', replacements: [id] });
  const [rows] = await sequelize.query(`SELECT ${COLUMNS} FROM api_keys ${where}`, { replacements });
  return (rows as Row[])[0];
}

export async function apiKeysPage(sequelize: Sequelize, conditions: SqlCondition[], scope: SqlCondition | undefined, limit: number, offset: number): Promise<{ rows: Row[]; total: number }> {
  const { where: clause, replacements: args } = sqlWithinScope(scope, ...conditions);
  const [[countRows], [rows]] = await Promise.all([
    sequelize.query(`SELECT COUNT(*) AS n FROM api_keys ${clause}`, { replacements: args }),
    sequelize.query(`SELECT ${COLUMNS} FROM api_keys ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, { replacements: [...args, limit, offset] }),
  ]);
  return { rows: rows as Row[], total: Number((countRows as Array<{ n: number }>)[0]?.n ?? 0) };
}

/** Conditions for apiKeysPage. */
export const ofEntity = (entityId: string): SqlCondition => ({ sql: 'entity_id = ?', replacements: [entityId] });
export const notRevoked: SqlCondition = { sql: 'revoked_at IS NULL', replacements: [] };

/** Revokes a live key (only the tenant's own when `tenant` is given); rows changed. */
export async function revokeApiKey(sequelize: Sequelize, id: string, tenant: string | undefined, at: Date, transaction: Transaction): Promise<number> {
  const [, meta] = await sequelize.query(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL${tenant ? ' AND entity_id = ?' : ''}`, {
    replacements: [at, id, ...(tenant ? [tenant] : [])],
    transaction,
  });
  return affected(meta);
}

export async function isApiKeyLive(sequelize: Sequelize, id: string, now: Date): Promise<boolean> {
  const [rows] = await sequelize.query('SELECT 1 AS ok FROM api_keys WHERE id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)', { replacements: [id, now] });
  return (rows as unknown[]).length > 0;
}

/** The key with this prefix, with its stored hash and its entity's type. */
export async function apiKeyByPrefix(sequelize: Sequelize, prefix: string): Promise<Row | undefined> {
  const [rows] = await sequelize.query(
    `SELECT k.id, k.entity_id, k.name, k.secret_hash, k.secret_key_id, k.scopes, k.rate_limit_per_minute, k.expires_at, k.revoked_at, k.last_used_at, e.type AS entity_type
     FROM api_keys k JOIN entities e ON e.id = k.entity_id WHERE k.prefix = ?`,
    { replacements: [prefix] },
  );
  return (rows as Row[])[0];
}

/** Re-hashes a key under the current APP_SECRET, unless it changed meanwhile. */
export async function rehashApiKey(sequelize: Sequelize, id: string, from: string, to: string, keyId: string): Promise<void> {
  await sequelize.query('UPDATE api_keys SET secret_hash = ?, secret_key_id = ? WHERE id = ? AND secret_hash = ?', { replacements: [to, keyId, id, from] });
}

export async function touchApiKey(sequelize: Sequelize, id: string, at: Date): Promise<void> {
  await sequelize.query('UPDATE api_keys SET last_used_at = ? WHERE id = ?', { replacements: [at, id] });
}
