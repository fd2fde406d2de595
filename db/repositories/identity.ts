import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';

/**
 * Sign-in state: `user_sessions`, the credential columns of `users` and `user_recovery_codes`
 * (api/services/authSessions.ts, authLogin.ts, authMfa.ts decide; this file reads and writes).
 * The user rows themselves (listing, invitations, roles) are in db/repositories/users.ts. Tokens and codes
 * arrive here already hashed.
 */
type Row = Record<string, unknown>;

/** mysql2 reports changed rows on the result header for UPDATE/DELETE. */
export function affected(meta: unknown): number {
  const m = meta as { affectedRows?: number } | number | undefined;
  return typeof m === 'number' ? m : (m?.affectedRows ?? 0);
}

/** The user columns an actor is built from (users u LEFT JOIN entities e). */
export const USER_COLUMNS = `u.id, u.email, u.name, u.role, u.entity_id, u.entity_role, u.mfa_enabled, e.type AS entity_type, e.name AS entity_name`;

// ---- sessions --------------------------------------------------------------------------------------

export async function insertSession(
  sequelize: Sequelize,
  s: { id: string; userId: string; tokenHash: string; expiresAt: Date; idleAt: Date; lastUsedAt: Date; mfaVerified: boolean; ip: string | null; userAgent: string | null },
): Promise<void> {
  await sequelize.query(
    `INSERT INTO user_sessions (id, user_id, token_hash, expires_at, idle_expires_at, last_used_at, mfa_verified, ip, user_agent)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    { replacements: [s.id, s.userId, s.tokenHash, s.expiresAt, s.idleAt, s.lastUsedAt, s.mfaVerified ? 1 : 0, s.ip, s.userAgent] },
  );
}

/** The session (not revoked, user not disabled) and its user for a token hash; expiry is the caller's to judge. */
export async function sessionByTokenHash(sequelize: Sequelize, tokenHash: string): Promise<Row | undefined> {
  const [rows] = await sequelize.query(
    `SELECT s.id AS session_id, s.expires_at, s.idle_expires_at, s.last_used_at, s.mfa_verified, ${USER_COLUMNS}
     FROM user_sessions s JOIN users u ON u.id = s.user_id LEFT JOIN entities e ON e.id = u.entity_id
     WHERE s.token_hash = ? AND s.revoked_at IS NULL AND u.disabled_at IS NULL`,
    { replacements: [tokenHash] },
  );
  return (rows as Row[])[0];
}

export async function touchSession(sequelize: Sequelize, sessionId: string, usedAt: Date, idleUntil: Date): Promise<void> {
  await sequelize.query('UPDATE user_sessions SET last_used_at = ?, idle_expires_at = ? WHERE id = ?', { replacements: [usedAt, idleUntil, sessionId] });
}

export async function isSessionLive(sequelize: Sequelize, sessionId: string, now: Date): Promise<boolean> {
  const [rows] = await sequelize.query(
    `SELECT 1 AS ok FROM user_sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND s.idle_expires_at > ? AND u.disabled_at IS NULL`,
    { replacements: [sessionId, now, now] },
  );
  return (rows as unknown[]).length > 0;
}

export async function markSessionMfaVerified(sequelize: Sequelize, sessionId: string): Promise<void> {
  await sequelize.query('UPDATE user_sessions SET mfa_verified = 1 WHERE id = ?', { replacements: [sessionId] });
}

/** Revokes one of the user's own live sessions; the number of rows changed (0: none such). */
export async function revokeSession(sequelize: Sequelize, userId: string, sessionId: string, at: Date): Promise<number> {
  const [, meta] = await sequelize.query('UPDATE user_sessions SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL', {
    replacements: [at, sessionId, userId],
  });
  return affected(meta);
}

/** One page of the user's live sessions, newest first, and how many there are. */
export async function liveSessionsPage(sequelize: Sequelize, userId: string, now: Date, limit: number, offset: number): Promise<{ rows: Row[]; total: number }> {
  const where = 'user_id = ? AND revoked_at IS NULL AND expires_at > ? AND idle_expires_at > ?';
  const [[countRows], [rows]] = await Promise.all([
    sequelize.query(`SELECT COUNT(*) AS n FROM user_sessions WHERE ${where}`, { replacements: [userId, now, now] }),
    sequelize.query(
      `SELECT id, created_at, last_used_at, expires_at, idle_expires_at, ip, user_agent, mfa_verified FROM user_sessions
       WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
      { replacements: [userId, now, now, limit, offset] },
    ),
  ]);
  return { rows: rows as Row[], total: Number((countRows as Array<{ n: number }>)[0]?.n ?? 0) };
}

// ---- sign-in -----------------------------------------------------------------------------------------

/** The account an email signs in to, with its password hash and disabled mark. */
export async function userForSignIn(sequelize: Sequelize, email: string): Promise<Row | undefined> {
  const [rows] = await sequelize.query(
    `SELECT ${USER_COLUMNS}, u.password_hash, u.disabled_at FROM users u LEFT JOIN entities e ON e.id = u.entity_id WHERE u.email = ?`,
    { replacements: [email] },
  );
  return (rows as Row[])[0];
}

export async function markSignedIn(sequelize: Sequelize, userId: string, at: Date): Promise<void> {
  await sequelize.query('UPDATE users SET last_login_at = ? WHERE id = ?', { replacements: [at, userId] });
}

// ---- second factor -----------------------------------------------------------------------------------

export async function mfaStateOfUser(sequelize: Sequelize, userId: string): Promise<Row | undefined> {
  const [rows] = await sequelize.query('SELECT id, email, mfa_enabled, mfa_secret_enc, mfa_pending_secret_enc FROM users WHERE id = ?', { replacements: [userId] });
  return (rows as Row[])[0];
}

export async function setPendingMfaSecret(sequelize: Sequelize, userId: string, sealed: string): Promise<void> {
  await sequelize.query('UPDATE users SET mfa_pending_secret_enc = ? WHERE id = ?', { replacements: [sealed, userId] });
}

export async function activatePendingMfaSecret(sequelize: Sequelize, userId: string): Promise<void> {
  await sequelize.query('UPDATE users SET mfa_secret_enc = mfa_pending_secret_enc, mfa_pending_secret_enc = NULL, mfa_enabled = 1 WHERE id = ?', { replacements: [userId] });
}

/** Uses up one unused recovery code among `hashes`; true when one was. */
export async function useRecoveryCode(sequelize: Sequelize, userId: string, hashes: string[], at: Date): Promise<boolean> {
  const [, meta] = await sequelize.query('UPDATE user_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash IN (?) AND used_at IS NULL', {
    replacements: [at, userId, hashes],
  });
  return affected(meta) === 1;
}

/** Replaces the user's recovery codes with these (hashed) ones, in one transaction. */
export async function replaceRecoveryCodes(sequelize: Sequelize, userId: string, hashes: string[]): Promise<void> {
  await sequelize.transaction(async (transaction) => {
    await sequelize.query('DELETE FROM user_recovery_codes WHERE user_id = ?', { replacements: [userId], transaction });
    for (const hash of hashes) {
      await sequelize.query('INSERT INTO user_recovery_codes (id, user_id, code_hash) VALUES (?, ?, ?)', { replacements: [randomUUID(), userId, hash], transaction });
    }
  });
}
