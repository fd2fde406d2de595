/**
 * Per-license METRC user keys, encrypted at rest with AES-256-GCM under a key derived from
 * APP_SECRET (platform/crypto.ts sealWith: `v2.<key id>.…`, older rows `v1.…`). The license
 * number is bound as associated data, so a ciphertext copied onto another license fails to decrypt.
 */
import { createHash } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { openWith, sealWith, type KeySource } from '../../platform/crypto.js';

// This derivation predates platform/crypto's HKDF labels; kept so stored keys still open.
const keyFrom = (appSecret: string) => createHash('sha256').update(`trellis:metrc-user-key:${appSecret}`).digest();

export const encryptUserKey = (keys: KeySource, licenseNumber: string, userKey: string): string => sealWith(keys, keyFrom, userKey, licenseNumber);
export const decryptUserKey = (keys: KeySource, licenseNumber: string, sealed: string): string => openWith(keys, keyFrom, sealed, licenseNumber);

export async function saveUserKey(sequelize: Sequelize, appSecret: KeySource, licenseNumber: string, userKey: string) {
  await sequelize.query(
    `INSERT INTO metrc_credentials (license_number, user_key_enc) VALUES (?, ?)
     ON DUPLICATE KEY UPDATE user_key_enc = VALUES(user_key_enc), updated_at = CURRENT_TIMESTAMP(3)`,
    { replacements: [licenseNumber, encryptUserKey(appSecret, licenseNumber, userKey)] },
  );
}

/** The license's own user key, or undefined when it has none (the configured default applies). */
export async function loadUserKey(sequelize: Sequelize, appSecret: KeySource, licenseNumber: string) {
  const [rows] = await sequelize.query('SELECT user_key_enc FROM metrc_credentials WHERE license_number = ?', {
    replacements: [licenseNumber],
  });
  const sealed = (rows as { user_key_enc: string }[])[0]?.user_key_enc;
  if (!sealed) return undefined;
  // "Last used" for the people managing the key. Callers cache the key (a minute in the worker),
  // so this is one small write per licence per minute at most; never worth failing a call for.
  sequelize.query('UPDATE metrc_credentials SET last_used_at = ? WHERE license_number = ?', { replacements: [new Date(), licenseNumber] }).catch(() => undefined);
  return decryptUserKey(appSecret, licenseNumber, sealed);
}

// --- status shown to people (never the key) -------------------------------------------------

export interface CredentialStatus {
  license_number: string;
  key_last4: string | null;
  key_fingerprint: string | null;
  updated_by: string | null;
  updated_at: Date;
  last_used_at: Date | null;
  last_tested_at: Date | null;
  last_test_ok: boolean | null;
  last_error: string | null;
}

const STATUS_COLUMNS = 'license_number, key_last4, key_fingerprint, updated_by, updated_at, last_used_at, last_tested_at, last_test_ok, last_error';
const toDate = (v: unknown) => (v ? new Date(v as string) : null);

function toStatus(r: Record<string, unknown>): CredentialStatus {
  return {
    license_number: r.license_number as string,
    key_last4: (r.key_last4 as string | null) ?? null,
    key_fingerprint: (r.key_fingerprint as string | null) ?? null,
    updated_by: (r.updated_by as string | null) ?? null,
    updated_at: toDate(r.updated_at)!,
    last_used_at: toDate(r.last_used_at),
    last_tested_at: toDate(r.last_tested_at),
    last_test_ok: r.last_test_ok === null || r.last_test_ok === undefined ? null : Boolean(Number(r.last_test_ok)),
    last_error: (r.last_error as string | null) ?? null,
  };
}

/**
 * Stores (or replaces) the licence's key with what may be shown about it; a new key has not been
 * tested, so the previous test result is cleared.
 */
export async function storeUserKey(
  sequelize: Sequelize,
  appSecret: KeySource,
  licenseNumber: string,
  userKey: string,
  meta: { last4: string; fingerprint: string; updatedBy: string },
): Promise<void> {
  await sequelize.query(
    `INSERT INTO metrc_credentials (license_number, user_key_enc, key_last4, key_fingerprint, updated_by) VALUES (?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE user_key_enc = VALUES(user_key_enc), key_last4 = VALUES(key_last4), key_fingerprint = VALUES(key_fingerprint),
       updated_by = VALUES(updated_by), last_tested_at = NULL, last_test_ok = NULL, last_error = NULL, updated_at = CURRENT_TIMESTAMP(3)`,
    { replacements: [licenseNumber, encryptUserKey(appSecret, licenseNumber, userKey), meta.last4, meta.fingerprint, meta.updatedBy.slice(0, 254)] },
  );
}

export async function credentialStatuses(sequelize: Sequelize, licenseNumbers: string[]): Promise<CredentialStatus[]> {
  if (!licenseNumbers.length) return [];
  const [rows] = await sequelize.query(`SELECT ${STATUS_COLUMNS} FROM metrc_credentials WHERE license_number IN (?) ORDER BY license_number`, {
    replacements: [licenseNumbers],
  });
  return (rows as Array<Record<string, unknown>>).map(toStatus);
}

export async function recordKeyTest(sequelize: Sequelize, licenseNumber: string, ok: boolean, error: string | null, at: Date): Promise<void> {
  await sequelize.query('UPDATE metrc_credentials SET last_tested_at = ?, last_test_ok = ?, last_error = ?, last_used_at = ? WHERE license_number = ?', {
    replacements: [at, ok ? 1 : 0, error?.slice(0, 1000) ?? null, at, licenseNumber],
  });
}

/** Answers whether there was a key. */
export async function deleteUserKey(sequelize: Sequelize, licenseNumber: string): Promise<boolean> {
  const [, meta] = await sequelize.query('DELETE FROM metrc_credentials WHERE license_number = ?', { replacements: [licenseNumber] });
  const m = meta as { affectedRows?: number } | number | undefined;
  return (typeof m === 'number' ? m : (m?.affectedRows ?? 0)) > 0;
}

/** Every licence the entity holds: its own and those of its licensed premises. */
export async function licensesOfEntity(sequelize: Sequelize, entityId: string): Promise<string[]> {
  const [rows] = await sequelize.query(
    `SELECT license_number FROM entities WHERE id = ? UNION SELECT license_number FROM locations WHERE entity_id = ?`,
    { replacements: [entityId, entityId] },
  );
  return [...new Set((rows as Array<{ license_number: string }>).map((r) => r.license_number))].sort();
}

/** The entities holding a licence (as entity or through a location); empty when nobody does. */
export async function holdersOfLicense(sequelize: Sequelize, licenseNumber: string): Promise<string[]> {
  const [rows] = await sequelize.query(`SELECT id FROM entities WHERE license_number = ? UNION SELECT entity_id FROM locations WHERE license_number = ?`, {
    replacements: [licenseNumber, licenseNumber],
  });
  return (rows as Array<{ id: string }>).map((r) => r.id);
}
