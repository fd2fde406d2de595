/**
 * Reports: request one, follow its progress, list the history, cancel; the file is a plain link
 * (read as text only to chart a CSV). Schedules: list, create, change (pause, time), delete.
 */
import type { Api } from '../api/http.js';
import type { components } from '../../../../openapi/types.js';

export type Report = components['schemas']['Report'];
export type ReportList = components['schemas']['ReportList'];
export type ReportCreate = components['schemas']['ReportCreate'];
export type ReportType = components['schemas']['ReportType'];
export type ReportSchedule = components['schemas']['ReportSchedule'];
export type ReportScheduleList = components['schemas']['ReportScheduleList'];
export type ReportScheduleCreate = components['schemas']['ReportScheduleCreate'];
export type ReportScheduleUpdate = components['schemas']['ReportScheduleUpdate'];

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
    /** A finished report's file as text (CSV), for the charts. */
    text: (id: string) => api.unwrap<string>(api.client.GET('/reports/{id}/download', { params: { path: { id } }, parseAs: 'text' })),
    schedules: {
      list: (q: { page?: number; limit?: number } = {}) => api.unwrap<ReportScheduleList>(api.client.GET('/report-schedules', { params: { query: q } })),
      create: (body: ReportScheduleCreate) => api.unwrap<ReportSchedule>(api.client.POST('/report-schedules', { body })),
      update: (id: string, body: ReportScheduleUpdate) => api.unwrap<ReportSchedule>(api.client.PATCH('/report-schedules/{id}', { params: { path: { id } }, body })),
      remove: (id: string) => api.unwrap<unknown>(api.client.DELETE('/report-schedules/{id}', { params: { path: { id } } })),
    },
  };
}
