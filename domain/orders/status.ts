/** Order statuses and METRC progress as the order sees them. */
export const ORDER_STATUSES = ['submitted', 'accepted', 'rejected', 'expired', 'fulfilled', 'shipped', 'delivered', 'completed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses after which nothing more happens to the order. */
export const TERMINAL_STATUSES: readonly OrderStatus[] = ['rejected', 'expired', 'completed', 'cancelled'];
export const isTerminal = (s: OrderStatus): boolean => TERMINAL_STATUSES.includes(s);

/**
 * Progress of the METRC outgoing transfer for a fulfilled order. `none` until the compliance
 * step starts; `matched` is the only state that lets the wholesaler ship without an override.
 * `overridden`: compliance shipped the order while the transfer was still pending (the read
 * model settles there, so a completed order never shows a manifest as awaited).
 */
export const METRC_STATES = ['none', 'submitting', 'template_created', 'awaiting_manifest', 'matched', 'failed', 'drift', 'overridden'] as const;
export type MetrcState = (typeof METRC_STATES)[number];

/** States in which the transfer is still on its way to a manifest; an override settles them. */
export const METRC_PENDING_STATES: readonly MetrcState[] = ['none', 'submitting', 'template_created', 'awaiting_manifest'];

export const isOrderStatus = (v: unknown): v is OrderStatus => typeof v === 'string' && (ORDER_STATUSES as readonly string[]).includes(v);
export const isMetrcState = (v: unknown): v is MetrcState => typeof v === 'string' && (METRC_STATES as readonly string[]).includes(v);
