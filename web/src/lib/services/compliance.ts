import type { Api, Page } from '../api/http.js';
import type { BulkRetryResult, DeadLetter, MetrcSubmission, MetrcSubmissionDetail } from './types.js';

export interface SubmissionQuery {
  page?: number;
  limit?: number;
  status?: string;
  kind?: string;
  q?: string;
}

export function complianceService(api: Api) {
  const one = (id: string) => `/metrc-submissions/${encodeURIComponent(id)}`;
  return {
    list: (query: SubmissionQuery = {}) => api.call<Page<MetrcSubmission>>('GET', '/metrc-submissions', { query: { ...query } }),
    get: (id: string) => api.call<MetrcSubmissionDetail>('GET', one(id)),
    /** Retry as is, or with a corrected payload (the workflow re-validates it). */
    retry: (id: string, payload?: unknown) => api.call<MetrcSubmission>('POST', `${one(id)}/retry`, { body: payload === undefined ? {} : { payload } }),
    /** Retries failed submissions by ids or by filter; `dry_run` only counts them. */
    bulkRetry: (select: { ids?: string[]; filter?: { kind?: string; license_number?: string } }, dryRun: boolean) =>
      api.call<BulkRetryResult>('POST', '/metrc-submissions/bulk-retry', { body: { ...select, dry_run: dryRun } }),
    discard: (id: string, reason: string) => api.call<MetrcSubmission>('POST', `${one(id)}/discard`, { body: { reason } }),
    deadLetters: (query: { page?: number; limit?: number; queue?: string; status?: string; kind?: string } = {}) =>
      api.call<Page<DeadLetter>>('GET', '/dead-letters', { query: { ...query } }),
    /** The letter's work again (a notification is sent again); its workflow decides how. */
    retryDeadLetter: (id: string) => api.call<DeadLetter>('POST', `/dead-letters/${encodeURIComponent(id)}/retry`, { body: {} }),
    discardDeadLetter: (id: string, reason: string) => api.call<DeadLetter>('POST', `/dead-letters/${encodeURIComponent(id)}/discard`, { body: { reason } }),
  };
}
