/**
 * Per-license METRC user keys, encrypted at rest with AES-256-GCM under a key derived from
 * APP_SECRET. Format: v1.<iv>.<tag>.<ciphertext> (base64url). The license number is bound as
 * associated data, so a ciphertext copied onto another license fails to decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Sequelize } from 'sequelize';

const keyFrom = (appSecret: string) => createHash('sha256').update(`trellis:metrc-user-key:${appSecret}`).digest();
const b64 = (b: Buffer) => b.toString('base64url');

export function encryptUserKey(appSecret: string, licenseNumber: string, userKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(appSecret), iv);
  cipher.setAAD(Buffer.from(licenseNumber, 'utf8'));
  const enc = Buffer.concat([cipher.update(userKey, 'utf8'), cipher.final()]);
  return ['v1', b64(iv), b64(cipher.getAuthTag()), b64(enc)].join('.');
}

export function decryptUserKey(appSecret: string, licenseNumber: string, sealed: string): string {
  const [v, iv, tag, enc] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || enc === undefined) throw new Error('unknown METRC credential format');
  const decipher = createDecipheriv('aes-256-gcm', keyFrom(appSecret), Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(licenseNumber, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(enc, 'base64url')), decipher.final()]).toString('utf8');
}

export async function saveUserKey(sequelize: Sequelize, appSecret: string, licenseNumber: string, userKey: string) {
  await sequelize.query(
    `INSERT INTO metrc_credentials (license_number, user_key_enc) VALUES (?, ?)
     ON DUPLICATE KEY UPDATE user_key_enc = VALUES(user_key_enc), updated_at = CURRENT_TIMESTAMP(3)`,
    { replacements: [licenseNumber, encryptUserKey(appSecret, licenseNumber, userKey)] },
  );
}

/** The license's own user key, or undefined when it has none (the configured default applies). */
export async function loadUserKey(sequelize: Sequelize, appSecret: string, licenseNumber: string) {
  const [rows] = await sequelize.query('SELECT user_key_enc FROM metrc_credentials WHERE license_number = ?', {
    replacements: [licenseNumber],
  });
  const sealed = (rows as { user_key_enc: string }[])[0]?.user_key_enc;
  return sealed ? decryptUserKey(appSecret, licenseNumber, sealed) : undefined;
}
