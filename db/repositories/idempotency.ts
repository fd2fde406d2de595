import type { Sequelize } from 'sequelize';
import { isDuplicate } from '../tx.js';

/**
 * The `idempotency_keys` table (api/middleware/idempotency.ts decides what to store; this file
 * only stores it). A key is a lease: `expires_at` is its end while pending, its 24 h once answered.
 */
export interface IdempotencyClaim {
  id: string;
  scope: string;
  key: string;
  method: string;
  path: string;
  hash: string;
}

export interface StoredAnswer {
  request_hash: string;
  status: 'pending' | 'completed' | 'withheld' | string;
  response_status: number | null;
  response_body: string | null;
  response_location: string | null;
}

const rowsAffected = (meta: unknown): number => {
  const m = meta as { affectedRows?: number } | number | undefined;
  return typeof m === 'number' ? m : (m?.affectedRows ?? 0);
};

/** Takes the key: a fresh row, or one whose lease or 24 h ran out. False when someone holds it. */
export async function claimKey(sequelize: Sequelize, c: IdempotencyClaim, lease: Date, now: Date): Promise<boolean> {
  try {
    await sequelize.query(
      `INSERT INTO idempotency_keys (id, scope, idem_key, method, path, request_hash, status, expires_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`,
      { replacements: [c.id, c.scope, c.key, c.method, c.path, c.hash, lease] },
    );
    return true;
  } catch (err) {
    if (!isDuplicate(err)) throw err;
  }
  // One statement decides between two retries racing for an expired key.
  const [, meta] = await sequelize.query(
    `UPDATE idempotency_keys SET id = ?, method = ?, path = ?, request_hash = ?, status = 'pending', response_status = NULL,
       response_body = NULL, response_location = NULL, expires_at = ? WHERE scope = ? AND idem_key = ? AND expires_at < ?`,
    { replacements: [c.id, c.method, c.path, c.hash, lease, c.scope, c.key, now] },
  );
  return rowsAffected(meta) === 1;
}

export async function storedAnswer(sequelize: Sequelize, scope: string, key: string): Promise<StoredAnswer | undefined> {
  const [rows] = await sequelize.query(
    'SELECT request_hash, status, response_status, response_body, response_location FROM idempotency_keys WHERE scope = ? AND idem_key = ?',
    { replacements: [scope, key] },
  );
  return (rows as StoredAnswer[])[0];
}

/** Keys past their time, a few hundred at a time (called now and then, never awaited by a request). */
export async function purgeExpiredKeys(sequelize: Sequelize, now: Date): Promise<void> {
  await sequelize.query('DELETE FROM idempotency_keys WHERE expires_at < ? LIMIT 500', { replacements: [now] });
}

export async function renewLease(sequelize: Sequelize, id: string, until: Date): Promise<void> {
  await sequelize.query(`UPDATE idempotency_keys SET expires_at = ? WHERE id = ? AND status = 'pending'`, { replacements: [until, id] });
}

export async function forgetKey(sequelize: Sequelize, id: string): Promise<void> {
  await sequelize.query('DELETE FROM idempotency_keys WHERE id = ?', { replacements: [id] });
}

export async function storeAnswer(
  sequelize: Sequelize,
  id: string,
  answer: { status: 'completed' | 'withheld'; responseStatus: number; body: string | null; location: string | null; expiresAt: Date },
): Promise<void> {
  await sequelize.query('UPDATE idempotency_keys SET status = ?, response_status = ?, response_body = ?, response_location = ?, expires_at = ? WHERE id = ?', {
    replacements: [answer.status, answer.responseStatus, answer.body, answer.location, answer.expiresAt, id],
  });
}
