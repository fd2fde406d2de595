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

/**
 * The APP_SECRETs this process knows: `current` seals and hashes everything new; `previous`
 * (APP_SECRET_PREVIOUS) only opens and verifies what was made before a rotation, until
 * `npm run rotate-secrets` has re-sealed it and the previous keys are dropped.
 */
export interface Keyring {
  current: string;
  previous: readonly string[];
}
/** A bare string is a keyring of one (tests, and callers that only ever write). */
export type KeySource = string | Keyring;
const ringOf = (k: KeySource): Keyring => (typeof k === 'string' ? { current: k, previous: [] } : k);
export const keyringOf = (c: { appSecret: string; appSecretPrevious?: readonly string[] }): Keyring => ({
  current: c.appSecret,
  previous: c.appSecretPrevious ?? [],
});

/**
 * Public name of a key, written into every sealed value so the right key is picked without trial
 * decryption. Derived one-way under its own label: it says nothing about the key or other labels.
 */
export const keyIdOf = (secret: string): string => deriveKey(secret, 'key-id').subarray(0, 6).toString('base64url');

/** Keyed hash for secrets we must look up or compare but never store (API key secrets, codes). */
export const keyedHash = (keys: KeySource, purpose: string, value: string): string =>
  createHmac('sha256', deriveKey(ringOf(keys).current, `hmac:${purpose}`)).update(value).digest('hex');

/**
 * The value's keyed hash under every key of the ring, current first: what a stored hash or a
 * presented CSRF token may equal during a rotation window. Hashes cannot be re-keyed without the
 * value, so callers that store them re-hash on a successful use (API keys) or let them expire.
 */
export const keyedHashes = (keys: KeySource, purpose: string, value: string): string[] => {
  const ring = ringOf(keys);
  return [ring.current, ...ring.previous].map((k) => keyedHash(k, purpose, value));
};

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

/** A sealed value that no configured key opens: fail closed, naming the cause, never the value. */
export class SealedKeyError extends Error {
  override name = 'SealedKeyError';
}

/**
 * AES-256-GCM. Output `v2.<key id>.<iv>.<tag>.<ciphertext>` (base64url). Values from before the
 * keyring are `v1.<iv>.<tag>.<ciphertext>` without a key id; they open under any key of the ring
 * (the tag proves which) and are re-sealed as v2 by `npm run rotate-secrets`.
 * `keyFor` turns an APP_SECRET into the AES key (callers with an older derivation keep theirs);
 * `aad` binds the value to where it is stored (a copy moved elsewhere fails to open).
 */
export function sealWith(keys: KeySource, keyFor: (secret: string) => Buffer, plaintext: string, aad?: string): string {
  const current = ringOf(keys).current;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(current), iv);
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v2', keyIdOf(current), iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export function openWith(keys: KeySource, keyFor: (secret: string) => Buffer, sealed: string, aad?: string): string {
  const ring = ringOf(keys);
  const all = [ring.current, ...ring.previous];
  const parts = sealed.split('.');
  const [v] = parts;
  let candidates: string[];
  let body: string[];
  if (v === 'v2' && parts.length === 5) {
    const kid = parts[1]!;
    candidates = all.filter((k) => keyIdOf(k) === kid);
    if (!candidates.length) {
      throw new SealedKeyError(
        `secret sealed under key ${kid}, which is neither APP_SECRET (${keyIdOf(ring.current)}) nor one of APP_SECRET_PREVIOUS` +
          (ring.previous.length ? ` (${ring.previous.map(keyIdOf).join(', ')})` : ' (unset)') +
          ': set APP_SECRET_PREVIOUS to the APP_SECRET it was sealed under',
      );
    }
    body = parts.slice(2);
  } else if (v === 'v1' && parts.length === 4) {
    candidates = all;
    body = parts.slice(1);
  } else {
    throw new SealedKeyError('unrecognised sealed secret');
  }
  const [iv, tag, ct] = body as [string, string, string];
  for (const k of candidates) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', keyFor(k), Buffer.from(iv, 'base64url'));
      if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      // wrong key (v1) or a tampered value: try the next, then fail below
    }
  }
  throw new SealedKeyError(
    v === 'v1'
      ? `secret sealed before key ids (v1) opens under none of APP_SECRET and APP_SECRET_PREVIOUS (${ring.previous.length} previous): set APP_SECRET_PREVIOUS to the APP_SECRET it was sealed under`
      : `secret sealed under key ${parts[1]} fails its integrity check (altered, or bound to another record)`,
  );
}

/** The key id a sealed value names; null for v1 values (made before key ids). */
export const sealedKeyId = (sealed: string): string | null => {
  const parts = sealed.split('.');
  return parts[0] === 'v2' && parts.length === 5 ? parts[1]! : null;
};

/** True when the value is sealed under the ring's current key (nothing for a rotation to do). */
export const sealedUnderCurrent = (keys: KeySource, sealed: string): boolean => sealedKeyId(sealed) === keyIdOf(ringOf(keys).current);

const purposeKey = (purpose: string) => (secret: string) => deriveKey(secret, `enc:${purpose}`);

export const encryptSecret = (keys: KeySource, purpose: string, plaintext: string): string => sealWith(keys, purposeKey(purpose), plaintext);
export const decryptSecret = (keys: KeySource, purpose: string, sealed: string): string => openWith(keys, purposeKey(purpose), sealed);

/** TOTP secrets at rest (users.mfa_secret_enc / mfa_pending_secret_enc). */
export const MFA_SECRET_PURPOSE = 'mfa-totp';
export const sealMfaSecret = (keys: KeySource, secret: string): string => encryptSecret(keys, MFA_SECRET_PURPOSE, secret);
export const openMfaSecret = (keys: KeySource, sealed: string): string => decryptSecret(keys, MFA_SECRET_PURPOSE, sealed);
