/**
 * Stateless deterministic randomness: every synthetic value is a pure function of (seed, index,
 * salt), so any item can be regenerated on demand instead of being stored.
 */
export function hash32(seed: number, index: number, salt = 0): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (index >>> 0), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13) ^ Math.floor(index / 0x100000000), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ (h >>> 16) ^ salt, 0x27d4eb2f) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h ^= h >>> 12;
  return h >>> 0;
}

/** Uniform in [0, 1). */
export function unit(seed: number, index: number, salt = 0): number {
  return hash32(seed, index, salt) / 0x100000000;
}

export function pick<T>(list: readonly T[], seed: number, index: number, salt: number): T {
  return list[hash32(seed, index, salt) % list.length] as T;
}
