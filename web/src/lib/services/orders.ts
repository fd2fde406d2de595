import type { Api, Page } from '../api/http.js';
import type { Order, OrderEvent, OrderStatus, Schemas } from './types.js';

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
    transition: (id: string, action: string, reason?: string) => {
      const act = action as Schemas['OrderAction'];
      return api.unwrap<Order>(api.client.POST('/orders/{id}/transitions', { params: { path: { id } }, body: reason ? { action: act, reason } : { action: act } }));
    },
    /** Asks the METRC transfer to look for the manifest now; the answer is the order as it stands. */
    checkMetrc: (id: string) =>
      api.unwrap<Order>(api.client.POST('/orders/{id}/metrc/check', { params: { path: { id } } })),
    timeline: (id: string) =>
      api.unwrap<Page<OrderEvent>>(api.client.GET('/orders/{id}/timeline', { params: { path: { id }, query: { limit: 200 } } })),
  };
}

function clean<T extends object>(q: T): T {
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== '')) as T;
}
