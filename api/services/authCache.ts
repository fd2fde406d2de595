import { sha256 } from '../../platform/crypto.js';

/**
 * A few seconds of in-process memory for credential lookups (session and API-key resolution was
 * one to two queries on every request). Keyed by the token's hash, never the token. Revocation
 * through this process forgets the entry at once; other instances notice within TTL_MS, which is
 * why it stays this short. Only answers that were fully valid are kept, never "no such token".
 */
export const AUTH_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

export class CredentialCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(private readonly ttlMs = AUTH_CACHE_TTL_MS) {}

  get(token: string): V | undefined {
    const key = sha256(token);
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (Date.now() >= e.until) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** `notAfter` (epoch ms): the credential's own end, which the entry must not outlive. */
  set(token: string, value: V, notAfter = Infinity): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear(); // bounded; refilling costs one query each
    this.entries.set(sha256(token), { value, until: Math.min(Date.now() + this.ttlMs, notAfter) });
  }

  forgetWhere(match: (value: V) => boolean): void {
    for (const [k, e] of this.entries) if (match(e.value)) this.entries.delete(k);
  }

  clear(): void {
    this.entries.clear();
  }
}
