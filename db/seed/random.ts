/**
 * Seeded randomness for the demo data: the same seed always yields the same rows, ids included,
 * so screenshots, docs and sandbox flows can name demo objects by id. Never Math.random here.
 */
import { seededRandom } from '../../sandboxes/metrc/demo-data.js';

export interface Rng {
  /** [0, 1) */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** A well-formed UUID v4 whose bits come from this generator. */
  uuid(): string;
  bytes(n: number): Uint8Array;
}

export function createRng(seed: number): Rng {
  const next = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const hex = (n: number) => Array.from({ length: n }, () => int(0, 15).toString(16)).join('');
  return {
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    chance: (p) => next() < p,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(0, 3)]}${hex(3)}-${hex(12)}`,
    bytes: (n) => Uint8Array.from({ length: n }, () => int(0, 255)),
  };
}
