import type { Actor } from '../../domain/actor.js';
import { availableTransitions, isMetrcState, isOrderStatus } from '../../domain/orders/index.js';
import { eitherParty, pick } from './common.js';
import type { ResourceSpec } from './spec.js';

export const ORDER_FIELDS = ['id', 'order_number', 'retailer_id', 'wholesaler_id', 'ship_from_location_id', 'ship_to_location_id', 'status', 'currency', 'subtotal_minor', 'total_minor', 'item_count', 'requested_delivery_date', 'notes', 'version', 'expires_at', 'created_at', 'updated_at'] as const;
export const ORDER_ITEM_FIELDS = ['id', 'order_id', 'product_id', 'variant_id', 'quantity', 'unit_price_minor', 'line_total_minor', 'metrc_package_label', 'created_at', 'updated_at'] as const;

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v);

export const orderToApi = (row: Record<string, unknown>) => ({
  ...pick(row, ORDER_FIELDS),
  subtotal_minor: Number(row.subtotal_minor),
  total_minor: Number(row.total_minor),
  metrc: {
    state: isMetrcState(row.metrc_state) ? row.metrc_state : 'none',
    manifest_number: (row.metrc_manifest_number as string | null | undefined) ?? null,
    template_id: row.metrc_template_id === null || row.metrc_template_id === undefined ? null : Number(row.metrc_template_id),
    detail: (row.metrc_detail as string | null | undefined) ?? null,
    compliance_override_reason: (row.compliance_override_reason as string | null | undefined) ?? null,
  },
});

/** What this caller may do to the order now, computed by the same rules the workflow enforces. */
export function withAvailableTransitions<T extends Record<string, unknown>>(order: T, actor: Actor): T & { available_transitions: string[] } {
  const status = order.status;
  const metrc = (order.metrc as { state?: unknown } | undefined)?.state;
  const available = isOrderStatus(status)
    ? availableTransitions(
        { status, retailerId: String(order.retailer_id), wholesalerId: String(order.wholesaler_id), metrcState: isMetrcState(metrc) ? metrc : 'none' },
        actor,
      )
    : [];
  return { ...order, available_transitions: available };
}

export const orderItemToApi = (row: Record<string, unknown>) => ({
  ...pick(row, ORDER_ITEM_FIELDS),
  unit_price_minor: Number(row.unit_price_minor),
  line_total_minor: Number(row.line_total_minor),
});

export const orderEventToApi = (row: Record<string, unknown>) => ({
  id: row.id,
  seq: Number(row.seq),
  type: row.type,
  from_status: row.from_status ?? null,
  to_status: row.to_status ?? null,
  actor: { kind: row.actor_kind, id: row.actor_id, role: row.actor_role, label: row.actor_label ?? null },
  reason: row.reason ?? null,
  detail: (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) ?? null,
  occurred_at: iso(row.occurred_at),
});

/** Orders are listed and read generically; creation and changes go through services/orders.ts. */
export const orders: ResourceSpec = {
  name: 'orders',
  label: 'Order',
  model: 'Order',
  filters: { status: 'status', retailer_id: 'retailer_id', wholesaler_id: 'wholesaler_id' },
  ranges: { created_from: { column: 'created_at', op: 'gte' }, created_to: { column: 'created_at', op: 'lte' } },
  prefixColumn: 'order_number',
  prefixAscii: true,
  defaultSort: '-created_at',
  readScope: eitherParty,
  writeScope: eitherParty,
  toApi: orderToApi,
};
