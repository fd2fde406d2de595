import type { Api, Page } from '../api/http.js';
import type { Order, OrderStatus, TimelineEntry } from './types.js';

export interface OrderQuery {
  page?: number;
  limit?: number;
  q?: string;
  status?: OrderStatus;
  retailer_id?: string;
  wholesaler_id?: string;
  created_from?: string;
  created_to?: string;
  sort?: 'created_at' | '-created_at';
}

export function ordersService(api: Api) {
  return {
    list: (query: OrderQuery = {}) =>
      api.unwrap<Page<Order>>(api.client.GET('/orders', { params: { query: clean(query) } })),
    get: (id: string) => api.unwrap<Order>(api.client.GET('/orders/{id}', { params: { path: { id } } })),
    /** The lifecycle owns transitions; the answer is the order after the move. */
    transition: (id: string, action: string, reason?: string) =>
      api.call<Order>('POST', `/orders/${encodeURIComponent(id)}/transitions`, { body: reason ? { action, reason } : { action } }),
    /** Asks the METRC transfer to look for the manifest now; the answer is the order as it stands. */
    checkMetrc: (id: string) =>
      api.unwrap<Order>(api.client.POST('/orders/{id}/metrc/check', { params: { path: { id } } })),
    timeline: (id: string) => api.call<Page<TimelineEntry>>('GET', `/orders/${encodeURIComponent(id)}/timeline`, { query: { limit: 200 } }),
  };
}

function clean<T extends object>(q: T): T {
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== '')) as T;
}
