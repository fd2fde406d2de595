/** Reports: request one, follow its progress, list the history, cancel; the file is a plain link. */
import type { Api } from '../api/http.js';
import type { components } from '../../../../openapi/types.js';

export type Report = components['schemas']['Report'];
export type ReportList = components['schemas']['ReportList'];
export type ReportCreate = components['schemas']['ReportCreate'];
export type ReportType = components['schemas']['ReportType'];

export const REPORT_TYPE_LABELS: Record<ReportType, string> = {
  sales: 'Sales by period, wholesaler, retailer and product',
  fulfilment_times: 'Order fulfilment times (percentiles)',
  metrc_compliance: 'METRC compliance log',
  inventory_valuation: 'Inventory snapshot and valuation',
  pos_sync_history: 'POS sync history',
};

export const isRunning = (r: Pick<Report, 'status'>) => r.status === 'queued' || r.status === 'running';

export function reportsService(api: Api) {
  return {
    list: (q: { page?: number; limit?: number } = {}) => api.unwrap<ReportList>(api.client.GET('/reports', { params: { query: q } })),
    get: (id: string) => api.unwrap<Report>(api.client.GET('/reports/{id}', { params: { path: { id } } })),
    create: (body: ReportCreate) => api.unwrap<Report>(api.client.POST('/reports', { body })),
    cancel: (id: string) => api.unwrap<Report>(api.client.POST('/reports/{id}/cancel', { params: { path: { id } } })),
  };
}
