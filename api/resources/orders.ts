import { eitherParty, pick } from './common.js';
import type { ResourceSpec } from './spec.js';

export const ORDER_FIELDS = ['id', 'order_number', 'retailer_id', 'wholesaler_id', 'ship_from_location_id', 'ship_to_location_id', 'status', 'currency', 'subtotal_minor', 'total_minor', 'item_count', 'requested_delivery_date', 'notes', 'version', 'created_at', 'updated_at'] as const;
export const ORDER_ITEM_FIELDS = ['id', 'order_id', 'product_id', 'variant_id', 'quantity', 'unit_price_minor', 'line_total_minor', 'metrc_package_label', 'created_at', 'updated_at'] as const;

export const orderToApi = (row: Record<string, unknown>) => ({
  ...pick(row, ORDER_FIELDS),
  subtotal_minor: Number(row.subtotal_minor),
  total_minor: Number(row.total_minor),
});

export const orderItemToApi = (row: Record<string, unknown>) => ({
  ...pick(row, ORDER_ITEM_FIELDS),
  unit_price_minor: Number(row.unit_price_minor),
  line_total_minor: Number(row.line_total_minor),
});

/** Orders are listed and read generically; creation and changes go through services/orders.ts. */
export const orders: ResourceSpec = {
  name: 'orders',
  label: 'Order',
  model: 'Order',
  filters: { status: 'status', retailer_id: 'retailer_id', wholesaler_id: 'wholesaler_id' },
  ranges: { created_from: { column: 'created_at', op: 'gte' }, created_to: { column: 'created_at', op: 'lte' } },
  prefixColumn: 'order_number',
  defaultSort: '-created_at',
  readScope: eitherParty,
  writeScope: eitherParty,
  toApi: orderToApi,
};
