/**
 * SQL for administering users and their invitations (api/services/users.ts decides who may do
 * what; this file only reads and writes). Sign-in and sessions keep their own queries in
 * api/services/auth*.ts.
 */
import type { Sequelize, Transaction } from 'sequelize';
import { sqlWithinScope, tenantCondition } from '../sqlScope.js';

export interface UserAdminRow {
  id: string;
  email: string;
  name: string;
  role: string;
  entity_id: string | null;
  entity_role: string | null;
  entity_name: string | null;
  mfa_enabled: boolean;
  invitation_pending: boolean;
  disabled_at: Date | null;
  last_login_at: Date | null;
  created_at: Date;
}

const COLUMNS = `u.id, u.email, u.name, u.role, u.entity_id, u.entity_role, e.name AS entity_name, u.mfa_enabled,
  u.invitation_pending, u.disabled_at, u.last_login_at, u.created_at`;

const date = (v: unknown) => (v ? new Date(v as string) : null);

function toRow(r: Record<string, unknown>): UserAdminRow {
  return {
    id: r.id as string,
    email: r.email as string,
    name: r.name as string,
    role: r.role as string,
    entity_id: (r.entity_id as string | null) ?? null,
    entity_role: (r.entity_role as string | null) ?? null,
    entity_name: (r.entity_name as string | null) ?? null,
    mfa_enabled: Boolean(Number(r.mfa_enabled)),
    invitation_pending: Boolean(Number(r.invitation_pending)),
    disabled_at: date(r.disabled_at),
    last_login_at: date(r.last_login_at),
    created_at: date(r.created_at)!,
  };
}

const affected = (meta: unknown): number => {
  const m = meta as { affectedRows?: number } | number | undefined;
  return typeof m === 'number' ? m : (m?.affectedRows ?? 0);
};

/** `tenant` confines the lookup to one entity's users (another tenant's user reads as absent). */
export async function findUser(sequelize: Sequelize, id: string, tenant?: string, transaction?: Transaction): Promise<UserAdminRow | undefined> {
  const { where, replacements } = sqlWithinScope(tenantCondition(tenant, ['u.entity_id']), { sql: 'u.id = ?', replacements: [id] });
  const [rows] = await sequelize.query(`SELECT ${COLUMNS} FROM users u LEFT JOIN entities e ON e.id = u.entity_id ${where}${transaction ? ' FOR UPDATE' : ''}`, {
    replacements,
    ...(transaction ? { transaction } : {}),
  });
  const r = (rows as Array<Record<string, unknown>>)[0];
  return r ? toRow(r) : undefined;
}

export interface UserFilters {
  /** Applied last and always when set: the caller's own entity. */
  tenant?: string;
  entityId?: string;
  role?: string;
  status?: 'active' | 'invited' | 'disabled';
  q?: string;
  page: number;
  limit: number;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listUsers(sequelize: Sequelize, f: UserFilters): Promise<{ rows: UserAdminRow[]; total: number }> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.entityId) {
    where.push('u.entity_id = ?');
    args.push(f.entityId);
  }
  if (f.role) {
    // owner/member are entity roles; the rest are users.role itself.
    if (f.role === 'owner' || f.role === 'member') where.push("u.role = 'entity' AND u.entity_role = ?");
    else where.push('u.role = ?');
    args.push(f.role);
  }
  if (f.status === 'disabled') where.push('u.disabled_at IS NOT NULL');
  if (f.status === 'invited') where.push('u.disabled_at IS NULL AND u.invitation_pending = 1');
  if (f.status === 'active') where.push('u.disabled_at IS NULL AND u.invitation_pending = 0');
  if (f.q) {
    const like = `%${likeEscape(f.q.trim().toLowerCase())}%`;
    where.push("(LOWER(u.email) LIKE ? ESCAPE '\\\\' OR LOWER(u.name) LIKE ? ESCAPE '\\\\')");
    args.push(like, like);
  }
  // The tenant goes last so no filter above can widen it.
  const { where: clause, replacements } = sqlWithinScope(tenantCondition(f.tenant, ['u.entity_id']), { sql: where.map((w) => `(${w})`).join(' AND '), replacements: args });
  const [[countRows], [rows]] = await Promise.all([
    sequelize.query(`SELECT COUNT(*) AS n FROM users u ${clause}`, { replacements }),
    sequelize.query(`SELECT ${COLUMNS} FROM users u LEFT JOIN entities e ON e.id = u.entity_id ${clause} ORDER BY u.email ASC, u.id ASC LIMIT ? OFFSET ?`, {
      replacements: [...replacements, f.limit, (f.page - 1) * f.limit],
    }),
  ]);
  return { rows: (rows as Array<Record<string, unknown>>).map(toRow), total: Number((countRows as Array<{ n: number }>)[0]?.n ?? 0) };
}

export async function emailTaken(sequelize: Sequelize, email: string, transaction?: Transaction): Promise<boolean> {
  const [rows] = await sequelize.query('SELECT 1 AS x FROM users WHERE email = ?', { replacements: [email], ...(transaction ? { transaction } : {}) });
  return (rows as unknown[]).length > 0;
}

export interface NewUser {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  role: string;
  entityId: string | null;
  entityRole: string | null;
  invitationPending: boolean;
  mfaSecretEnc?: string | null;
}

export async function insertUser(sequelize: Sequelize, u: NewUser, transaction?: Transaction): Promise<void> {
  await sequelize.query(
    `INSERT INTO users (id, email, name, password_hash, role, entity_id, entity_role, mfa_secret_enc, mfa_enabled, invitation_pending)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    {
      replacements: [u.id, u.email, u.name, u.passwordHash, u.role, u.entityId, u.entityRole, u.mfaSecretEnc ?? null, u.mfaSecretEnc ? 1 : 0, u.invitationPending ? 1 : 0],
      ...(transaction ? { transaction } : {}),
    },
  );
}

export async function updateUserFields(sequelize: Sequelize, id: string, fields: { name?: string; role?: string; entity_role?: string | null }, transaction: Transaction): Promise<void> {
  const sets = Object.keys(fields).map((k) => `${k} = ?`);
  if (!sets.length) return;
  await sequelize.query(`UPDATE users SET ${sets.join(', ')}, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?`, {
    replacements: [...Object.values(fields), id],
    transaction,
  });
}

export async function setDisabled(sequelize: Sequelize, id: string, disabled: boolean, transaction: Transaction): Promise<void> {
  await sequelize.query('UPDATE users SET disabled_at = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?', { replacements: [disabled ? new Date() : null, id], transaction });
}

/** Ends every live session of the user; answers how many. */
export async function revokeUserSessions(sequelize: Sequelize, userId: string, transaction?: Transaction): Promise<number> {
  const [, meta] = await sequelize.query('UPDATE user_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL', {
    replacements: [new Date(), userId],
    ...(transaction ? { transaction } : {}),
  });
  return affected(meta);
}

/** Revokes the live partner API keys the user created; answers their ids. */
export async function revokeKeysCreatedBy(sequelize: Sequelize, userId: string, transaction: Transaction): Promise<string[]> {
  const [rows] = await sequelize.query('SELECT id FROM api_keys WHERE created_by_user_id = ? AND revoked_at IS NULL FOR UPDATE', { replacements: [userId], transaction });
  const ids = (rows as Array<{ id: string }>).map((r) => r.id);
  if (ids.length) await sequelize.query('UPDATE api_keys SET revoked_at = ? WHERE id IN (?)', { replacements: [new Date(), ids], transaction });
  return ids;
}

/** Removes every second factor: TOTP (active and pending) and recovery codes. */
export async function clearMfa(sequelize: Sequelize, userId: string, transaction: Transaction): Promise<void> {
  await sequelize.query('UPDATE users SET mfa_enabled = 0, mfa_secret_enc = NULL, mfa_pending_secret_enc = NULL, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?', {
    replacements: [userId],
    transaction,
  });
  await sequelize.query('DELETE FROM user_recovery_codes WHERE user_id = ?', { replacements: [userId], transaction });
}

/** Whether the migrations that create users and their invitations have run (the newest of the two tables is there). */
export async function userTablesPresent(sequelize: Sequelize): Promise<boolean> {
  const [tables] = await sequelize.query("SELECT 1 AS x FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'user_invitations'");
  return (tables as unknown[]).length > 0;
}

/** Within a transaction the admin rows stay locked, so two admins cannot demote each other at once. */
export async function countActiveAdmins(sequelize: Sequelize, transaction?: Transaction): Promise<number> {
  const [rows] = await sequelize.query(`SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL${transaction ? ' FOR UPDATE' : ''}`, {
    ...(transaction ? { transaction } : {}),
  });
  return (rows as unknown[]).length;
}

// --- invitations ---------------------------------------------------------------------------

/** Every unused link of the user stops working (deactivation). */
export async function revokeInvitations(sequelize: Sequelize, userId: string, transaction: Transaction): Promise<number> {
  const [, meta] = await sequelize.query('UPDATE user_invitations SET revoked_at = ? WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL', {
    replacements: [new Date(), userId],
    transaction,
  });
  return affected(meta);
}

/** Older links of the user stop working: only the newest invitation is ever valid. */
export async function replaceInvitation(
  sequelize: Sequelize,
  inv: { id: string; userId: string; tokenHash: string; createdBy: string | null; expiresAt: Date },
  transaction: Transaction,
): Promise<void> {
  await sequelize.query('UPDATE user_invitations SET revoked_at = ? WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL', {
    replacements: [new Date(), inv.userId],
    transaction,
  });
  await sequelize.query('INSERT INTO user_invitations (id, user_id, token_hash, created_by_user_id, expires_at) VALUES (?, ?, ?, ?, ?)', {
    replacements: [inv.id, inv.userId, inv.tokenHash, inv.createdBy, inv.expiresAt],
    transaction,
  });
}

/**
 * Marks the invitation used if it is live (unused, unrevoked, unexpired, user enabled) and
 * answers its user; the UPDATE's row lock makes two concurrent uses of one link yield one winner.
 */
export async function consumeInvitation(sequelize: Sequelize, tokenHash: string, transaction: Transaction): Promise<{ userId: string; email: string } | undefined> {
  const now = new Date();
  const [, meta] = await sequelize.query(
    `UPDATE user_invitations i JOIN users u ON u.id = i.user_id SET i.used_at = ?
     WHERE i.token_hash = ? AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ? AND u.disabled_at IS NULL`,
    { replacements: [now, tokenHash, now], transaction },
  );
  if (affected(meta) === 0) return undefined;
  const [rows] = await sequelize.query('SELECT u.id, u.email FROM user_invitations i JOIN users u ON u.id = i.user_id WHERE i.token_hash = ?', {
    replacements: [tokenHash],
    transaction,
  });
  const r = (rows as Array<{ id: string; email: string }>)[0];
  return r ? { userId: r.id, email: r.email } : undefined;
}

/** The live invitation's user (without using it up), to check a password against their email. */
export async function peekInvitation(sequelize: Sequelize, tokenHash: string): Promise<{ userId: string; email: string } | undefined> {
  const [rows] = await sequelize.query(
    `SELECT u.id, u.email FROM user_invitations i JOIN users u ON u.id = i.user_id
     WHERE i.token_hash = ? AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ? AND u.disabled_at IS NULL`,
    { replacements: [tokenHash, new Date()] },
  );
  const r = (rows as Array<{ id: string; email: string }>)[0];
  return r ? { userId: r.id, email: r.email } : undefined;
}

export async function setPassword(sequelize: Sequelize, userId: string, passwordHash: string, transaction: Transaction): Promise<void> {
  await sequelize.query('UPDATE users SET password_hash = ?, invitation_pending = 0, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?', {
    replacements: [passwordHash, userId],
    transaction,
  });
}
