/**
 * Credential primitives shared by the API and the demo seed: password hashing (argon2id),
 * token hashing, constant-time comparison and authenticated encryption of secrets at rest.
 * Everything keyed derives its key from APP_SECRET with a purpose label, so one leaked derived
 * value says nothing about the others.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';

/** OWASP's argon2id baseline (19 MiB, 2 passes) — ~tens of ms here, enough to blunt guessing. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, ARGON2_OPTIONS);

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false; // a malformed stored hash is a failed sign-in, not a crash
  }
}

/** A hash of a password nobody knows, verified when the account does not exist so timing matches. */
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> => (decoy ??= hashPassword(randomBytes(16).toString('hex')));

export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Keyed hash for secrets we must look up or compare but never store (API key secrets, codes). */
export const keyedHash = (appSecret: string, purpose: string, value: string): string =>
  createHmac('sha256', deriveKey(appSecret, `hmac:${purpose}`)).update(value).digest('hex');

/** Equal-length-independent constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

const keys = new Map<string, Buffer>();
function deriveKey(appSecret: string, purpose: string): Buffer {
  const id = `${purpose}\u0000${appSecret}`;
  let k = keys.get(id);
  if (!k) {
    k = Buffer.from(hkdfSync('sha256', appSecret, 'trellis', purpose, 32));
    keys.set(id, k);
  }
  return k;
}

/** AES-256-GCM; output `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function encryptSecret(appSecret: string, purpose: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(appSecret, `enc:${purpose}`), iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export function decryptSecret(appSecret: string, purpose: string, sealed: string): string {
  const [v, iv, tag, ct] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('unrecognised sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(appSecret, `enc:${purpose}`), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}

/** TOTP secrets at rest (users.mfa_secret_enc / mfa_pending_secret_enc). */
export const MFA_SECRET_PURPOSE = 'mfa-totp';
export const sealMfaSecret = (appSecret: string, secret: string): string => encryptSecret(appSecret, MFA_SECRET_PURPOSE, secret);
export const openMfaSecret = (appSecret: string, sealed: string): string => decryptSecret(appSecret, MFA_SECRET_PURPOSE, sealed);
