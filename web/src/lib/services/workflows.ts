import type { Api, Page } from '../api/http.js';
import type { DashboardSummary, WorkflowDetail, WorkflowSummary } from './types.js';

export interface WorkflowQuery {
  page?: number;
  limit?: number;
  type?: string;
  status?: 'running' | 'retrying' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out' | 'continued_as_new';
  task_queue?: string;
  workflow_id?: string;
  attribute?: string[];
}

export type WorkflowPage = Page<WorkflowSummary> & { scan?: { scanned: number; truncated: boolean } };

export function workflowsService(api: Api) {
  const path = (id: string) => ({ params: { path: { workflowId: id } } });
  return {
    list: (query: WorkflowQuery = {}) => {
      const q = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && !v.length)));
      return api.unwrap<WorkflowPage>(api.client.GET('/workflows', { params: { query: q } }));
    },
    get: (id: string) => api.unwrap<WorkflowDetail>(api.client.GET('/workflows/{workflowId}', path(id))),
    cancel: (id: string, reason?: string) =>
      api.unwrap(api.client.POST('/workflows/{workflowId}/cancel', { ...path(id), body: reason ? { reason } : {} })),
    terminate: (id: string, reason: string) =>
      api.unwrap(api.client.POST('/workflows/{workflowId}/terminate', { ...path(id), body: { reason } })),
    signalRetry: (id: string, payload?: Record<string, unknown>) =>
      api.unwrap(api.client.POST('/workflows/{workflowId}/signal', { ...path(id), body: (payload ? { name: 'retry', payload } : { name: 'retry' }) as { name: 'retry' } })),
    dashboard: () => api.unwrap<DashboardSummary>(api.client.GET('/dashboard/summary')),
  };
}
