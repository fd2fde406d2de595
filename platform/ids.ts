import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let counter = 0;
const rand = Buffer.alloc(8);

/**
 * A UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter that keeps ids made
 * within one millisecond in order, then 62 random bits. Ids made in one process sort in creation
 * order as text, so bulk inserts append to the primary key and the id-keyed secondary indexes
 * instead of touching random pages all over them (a large cost once a table outgrows the buffer
 * pool). Same text form and column type as randomUUID(); nothing may read meaning into it.
 */
export function timeOrderedId(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    // Same millisecond (or the clock stepped back): count on from the last id instead.
    ms = lastMs;
    if (++counter > 0xfff) {
      ms = ++lastMs;
      counter = 0;
    }
  } else {
    lastMs = ms;
    counter = 0;
  }
  randomFillSync(rand);
  const hex = ms.toString(16).padStart(12, '0');
  const a = (0x7000 | counter).toString(16);
  const b = ((rand[0]! & 0x3f) | 0x80).toString(16) + rand.toString('hex', 1, 2);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${a}-${b}-${rand.toString('hex', 2, 8)}`;
}
