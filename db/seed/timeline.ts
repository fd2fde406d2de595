/**
 * The order timelines of the demo orders: what the parties did and when, so an order opened in
 * the console reads like one that went through the hub (placed by the buyer, accepted and shipped
 * by the seller, completed…) rather than "no events yet". Derived from the built orders only:
 * deterministic, no random draws of its own (the ids come from the order ids and steps).
 */
import { createHash } from 'node:crypto';
import type { Row } from '../models.js';
import type { DemoData } from './build.js';

/** The statuses an order passed through to reach its own, in order. */
const PATHS: Record<string, string[]> = {
  submitted: ['submitted'],
  accepted: ['submitted', 'accepted'],
  rejected: ['submitted', 'rejected'],
  expired: ['submitted', 'expired'],
  cancelled: ['submitted', 'accepted', 'cancelled'],
  fulfilled: ['submitted', 'accepted', 'fulfilled'],
  shipped: ['submitted', 'accepted', 'fulfilled', 'shipped'],
  delivered: ['submitted', 'accepted', 'fulfilled', 'shipped', 'delivered'],
  completed: ['submitted', 'accepted', 'fulfilled', 'shipped', 'delivered', 'completed'],
};
/** The METRC transfer's match, a step of its own on the timeline (spread like the others). */
const MATCHED = 'metrc:matched';
/** Who moves an order into each status. */
const BY: Record<string, 'buyer' | 'seller' | 'system'> = {
  submitted: 'buyer', accepted: 'seller', rejected: 'seller', expired: 'system', cancelled: 'buyer',
  fulfilled: 'seller', shipped: 'seller', delivered: 'buyer', completed: 'system',
};
const REASONS: Record<string, string> = {
  rejected: 'Out of stock on two lines this week.',
  cancelled: 'Ordered twice by mistake.',
};

/** A stable UUID-shaped id from a name (version nibble 4, variant 8), as the rest of the seed's ids look. */
function stableId(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function buildDemoTimeline(data: DemoData): Row[] {
  const names = new Map(data.entities.map((e) => [e.id, String(e.name)]));
  const events: Row[] = [];
  for (const o of data.orders) {
    const steps = PATHS[String(o.status)] ?? ['submitted'];
    // An order whose transfer METRC matched to a manifest says so just before it shipped.
    const path = o.metrc_state === 'matched' ? steps.flatMap((s) => (s === 'shipped' ? [MATCHED, s] : [s])) : steps;
    const start = (o.created_at as Date).getTime();
    const end = Math.max(start, (o.updated_at as Date).getTime());
    let status: string | null = null;
    path.forEach((step, seq) => {
      const at = new Date(seq === 0 ? start : start + Math.round(((end - start) * seq) / (path.length - 1)));
      const id = stableId(`demo-event:${String(o.id)}:${seq}`);
      if (step === MATCHED) {
        const metrc = { state: 'matched', manifestNumber: String(o.metrc_manifest_number) };
        events.push({
          id, order_id: o.id, event_key: `${String(o.id)}:${seq}`, seq, type: 'metrc_status', from_status: null, to_status: null,
          actor_kind: 'system', actor_id: 'system', actor_role: 'system', actor_label: 'METRC transfer', reason: null,
          detail: { metrc }, occurred_at: at, published_at: at, created_at: at, updated_at: at,
        });
        return;
      }
      const from = status;
      status = step;
      const by = BY[status]!;
      const entity = by === 'buyer' ? o.retailer_id : by === 'seller' ? o.wholesaler_id : null;
      events.push({
        id,
        order_id: o.id,
        event_key: `${String(o.id)}:${seq}`,
        seq,
        type: 'status_changed',
        from_status: from,
        to_status: status,
        actor_kind: entity ? 'user' : 'system',
        actor_id: entity ? String(entity) : 'order-lifecycle',
        actor_role: entity ? 'owner' : 'system',
        actor_label: entity ? (names.get(entity) ?? null) : 'Trellis',
        reason: REASONS[status] ?? null,
        detail: null,
        occurred_at: at,
        published_at: at,
        created_at: at,
        updated_at: at,
      });
    });
  }
  return events;
}
