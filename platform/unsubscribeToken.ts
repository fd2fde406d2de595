/**
 * One-click unsubscribe tokens (issue 16): a user id and a category, signed with APP_SECRET. No
 * expiry: an old email's link must still work (RFC 8058 one-click), and all it can do is turn that
 * user's email for that category off. Verified under every key of the ring, so links sent before a
 * secret rotation keep working.
 */
import { keyedHash, keyedHashes, safeEqual, type Keyring } from './crypto.js';

const PURPOSE = 'notification-unsubscribe';

export function unsubscribeToken(keys: Keyring, userId: string, category: string): string {
  const body = Buffer.from(`${userId}|${category}`).toString('base64url');
  return `${body}.${keyedHash(keys, PURPOSE, body).slice(0, 32)}`;
}

/** The user and category a token names, or undefined when it is malformed or not ours. */
export function readUnsubscribeToken(keys: Keyring, token: string): { userId: string; category: string } | undefined {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined) return undefined;
  if (!keyedHashes(keys, PURPOSE, body).some((h) => safeEqual(h.slice(0, 32), sig))) return undefined;
  const [userId, category] = Buffer.from(body, 'base64url').toString('utf8').split('|');
  return userId && category ? { userId, category } : undefined;
}
