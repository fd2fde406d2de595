/**
 * Re-seals every stored secret under the current APP_SECRET (`npm run rotate-secrets`).
 *
 * Walks each sealed column in primary-key order, a batch at a time. A value already sealed under
 * the current key is skipped, so a second run, or a run after a crash, only does what is left
 * (idempotent and resumable without any progress table). Each row is written with a
 * compare-and-set on the old value: a secret changed by the app meanwhile is left alone (already
 * current) instead of being overwritten with a stale one. A value that no configured key opens is
 * counted and reported by row, never written and never shown.
 */
import type { Sequelize } from 'sequelize';
import { CREDENTIALS_PURPOSE } from '../../domain/pos/credentials.js';
import { decryptSecret, encryptSecret, keyIdOf, MFA_SECRET_PURPOSE, sealedUnderCurrent, type Keyring } from '../../platform/crypto.js';
import { decryptUserKey, encryptUserKey } from './metrcCredentials.js';

interface SealedColumn {
  /** neutral name for counts and the audit row (its sanitiser drops keys that look like secrets) */
  label: string;
  table: string;
  key: string;
  column: string;
  open(ring: Keyring, sealed: string, keyValue: string): string;
  seal(ring: Keyring, plain: string, keyValue: string): string;
}

const mfa = (label: string, column: string): SealedColumn => ({
  label,
  table: 'users',
  key: 'id',
  column,
  open: (ring, sealed) => decryptSecret(ring, MFA_SECRET_PURPOSE, sealed),
  seal: (ring, plain) => encryptSecret(ring, MFA_SECRET_PURPOSE, plain),
});

/** Every column holding a value sealed with APP_SECRET (grep platform/crypto.ts callers when adding one). */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  mfa('user_mfa', 'mfa_secret_enc'),
  mfa('user_mfa_pending', 'mfa_pending_secret_enc'),
  {
    label: 'metrc_user_keys',
    table: 'metrc_credentials',
    key: 'license_number',
    column: 'user_key_enc',
    open: (ring, sealed, licence) => decryptUserKey(ring, licence, sealed),
    seal: (ring, plain, licence) => encryptUserKey(ring, licence, plain),
  },
  {
    label: 'pos_connections',
    table: 'pos_connections',
    key: 'id',
    column: 'credentials_enc',
    open: (ring, sealed) => decryptSecret(ring, CREDENTIALS_PURPOSE, sealed),
    seal: (ring, plain) => encryptSecret(ring, CREDENTIALS_PURPOSE, plain),
  },
];

export interface ColumnCounts {
  scanned: number;
  alreadyCurrent: number;
  resealed: number;
  /** changed by the app while we worked: it is current already */
  changedMeanwhile: number;
  failed: number;
}

export interface RotationResult {
  columns: Record<string, ColumnCounts>;
  /** `table.column key` of values no configured key opens, with the reason (no secret in it) */
  failures: Array<{ where: string; reason: string }>;
  /**
   * Live API keys whose secret hash is not known to be under the current key. Hashes cannot be
   * re-sealed: each is re-hashed on its next use, and one still unused when APP_SECRET_PREVIOUS
   * is dropped stops working.
   */
  apiKeysAwaitingUse: number;
}

export async function rotateSecrets(sequelize: Sequelize, ring: Keyring, opts: { batchSize?: number; onBatch?: (where: string, c: ColumnCounts) => void } = {}): Promise<RotationResult> {
  const batchSize = opts.batchSize ?? 200;
  const result: RotationResult = { columns: {}, failures: [], apiKeysAwaitingUse: 0 };
  for (const col of SEALED_COLUMNS) {
    const name = col.label;
    const counts: ColumnCounts = { scanned: 0, alreadyCurrent: 0, resealed: 0, changedMeanwhile: 0, failed: 0 };
    result.columns[name] = counts;
    let after: string | null = null;
    for (;;) {
      // Identifiers come from the constant list above, never from input.
      const [rows] = await sequelize.query(
        `SELECT ${col.key} AS k, ${col.column} AS v FROM ${col.table}
         WHERE ${col.column} IS NOT NULL ${after === null ? '' : `AND ${col.key} > ?`} ORDER BY ${col.key} LIMIT ?`,
        { replacements: after === null ? [batchSize] : [after, batchSize] },
      );
      const batch = rows as Array<{ k: string; v: string }>;
      if (!batch.length) break;
      for (const { k, v } of batch) {
        counts.scanned++;
        if (sealedUnderCurrent(ring, v)) {
          counts.alreadyCurrent++;
          continue;
        }
        let next: string;
        try {
          next = col.seal(ring, col.open(ring, v, k), k);
        } catch (err) {
          counts.failed++;
          result.failures.push({ where: `${col.table}.${col.column} ${col.key}=${k}`, reason: err instanceof Error ? err.message : 'does not open' });
          continue;
        }
        const [, meta] = await sequelize.query(`UPDATE ${col.table} SET ${col.column} = ? WHERE ${col.key} = ? AND ${col.column} = ?`, {
          replacements: [next, k, v],
        });
        if (affectedRows(meta) === 1) counts.resealed++;
        else counts.changedMeanwhile++;
      }
      after = batch[batch.length - 1]!.k;
      opts.onBatch?.(name, counts);
    }
  }
  const [[pending]] = (await sequelize.query(
    `SELECT COUNT(*) AS n FROM api_keys
     WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND (secret_key_id IS NULL OR secret_key_id <> ?)`,
    { replacements: [new Date(), keyIdOf(ring.current)] },
  )) as unknown as [[{ n: number }]];
  result.apiKeysAwaitingUse = Number(pending.n);
  return result;
}

const affectedRows = (meta: unknown): number => {
  const m = meta as { affectedRows?: number } | number | undefined;
  return typeof m === 'number' ? m : (m?.affectedRows ?? 0);
};
