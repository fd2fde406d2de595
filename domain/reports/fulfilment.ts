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

/** Report rows for `wholesalers` (in that order), four per wholesaler, one per segment. */
export function fulfilmentRows(wholesalers: readonly string[], steps: readonly OrderSteps[]): Cell[][] {
  return wholesalers.flatMap((id) => {
    const mine = steps.filter((s) => s.wholesalerId === id);
    const name = mine[0]?.wholesaler ?? '';
    return FULFILMENT_SEGMENTS.map((segment): Cell[] => {
      const secs = segmentSeconds(mine, segment);
      return [id, name, segment, secs.length, nearestRank(secs, 50), nearestRank(secs, 90), nearestRank(secs, 95), secs.length ? secs[secs.length - 1]! : null];
    });
  });
}
