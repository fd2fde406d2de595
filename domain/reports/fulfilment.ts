/**
 * The fulfilment-times report: for each wholesaler, how long its orders took from submission to
 * acceptance, acceptance to shipping, shipping to delivery, and submission to delivery, as
 * nearest-rank percentiles over the orders that reached both ends of the step.
 */
import { nearestRank } from './percentiles.js';
import { FULFILMENT_SEGMENTS, type Cell, type FulfilmentSegment } from './types.js';

/** Each order's step instants: submission (the order's creation) and the first event into each status. */
export interface OrderSteps {
  wholesalerId: string;
  wholesaler: string;
  submitted: Date;
  accepted: Date | null;
  shipped: Date | null;
  delivered: Date | null;
}

const ENDS: Record<FulfilmentSegment, [keyof OrderSteps, keyof OrderSteps]> = {
  submitted_to_accepted: ['submitted', 'accepted'],
  accepted_to_shipped: ['accepted', 'shipped'],
  shipped_to_delivered: ['shipped', 'delivered'],
  submitted_to_delivered: ['submitted', 'delivered'],
};

/** Seconds each order spent in `segment`, ascending; orders that did not reach both ends are left out. */
export function segmentSeconds(steps: readonly OrderSteps[], segment: FulfilmentSegment): number[] {
  const [a, b] = ENDS[segment];
  return steps
    .flatMap((s) => {
      const from = s[a];
      const to = s[b];
      return from instanceof Date && to instanceof Date ? [(to.getTime() - from.getTime()) / 1000] : [];
    })
    .sort((x, y) => x - y);
}

/**
 * Seconds per segment of each wholesaler's orders, gathered a chunk of orders at a time: what the
 * report keeps in memory is 8 bytes per order and segment, not each order's steps (a year of a
 * busy marketplace is a million orders; their step rows would not fit a reports worker's heap).
 */
export interface SegmentSeconds {
  names: Map<string, string>;
  seconds: Map<string, Record<FulfilmentSegment, number[]>>;
}

export const emptySegmentSeconds = (): SegmentSeconds => ({ names: new Map(), seconds: new Map() });

/** Adds a chunk of orders' steps to `acc` (mutated and returned); the steps can be dropped after. */
export function addSteps(acc: SegmentSeconds, steps: readonly OrderSteps[]): SegmentSeconds {
  for (const s of steps) {
    if (!acc.names.has(s.wholesalerId)) acc.names.set(s.wholesalerId, s.wholesaler);
    let mine = acc.seconds.get(s.wholesalerId);
    if (!mine) {
      mine = { submitted_to_accepted: [], accepted_to_shipped: [], shipped_to_delivered: [], submitted_to_delivered: [] };
      acc.seconds.set(s.wholesalerId, mine);
    }
    for (const segment of FULFILMENT_SEGMENTS) {
      const [a, b] = ENDS[segment];
      const from = s[a];
      const to = s[b];
      if (from instanceof Date && to instanceof Date) mine[segment].push((to.getTime() - from.getTime()) / 1000);
    }
  }
  return acc;
}

/** Report rows for `wholesalers` (in that order), four per wholesaler, one per segment. Sorts acc's arrays in place. */
export function fulfilmentRowsOf(wholesalers: readonly string[], acc: SegmentSeconds): Cell[][] {
  return wholesalers.flatMap((id) => {
    const name = acc.names.get(id) ?? '';
    const mine = acc.seconds.get(id);
    return FULFILMENT_SEGMENTS.map((segment): Cell[] => {
      const secs = mine?.[segment].sort((x, y) => x - y) ?? [];
      return [id, name, segment, secs.length, nearestRank(secs, 50), nearestRank(secs, 90), nearestRank(secs, 95), secs.length ? secs[secs.length - 1]! : null];
    });
  });
}

/** Report rows for `wholesalers` (in that order), four per wholesaler, one per segment. */
export function fulfilmentRows(wholesalers: readonly string[], steps: readonly OrderSteps[]): Cell[][] {
  return fulfilmentRowsOf(wholesalers, addSteps(emptySegmentSeconds(), steps));
}
