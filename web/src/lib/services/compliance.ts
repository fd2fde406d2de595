import type { Api, Page } from '../api/http.js';
import type { Schemas } from './types.js';

export type MetrcSubmission = Schemas['MetrcSubmission'];
export type MetrcSubmissionDetail = Schemas['MetrcSubmissionDetail'];
export type MetrcAttempt = Schemas['MetrcAttempt'];
export type DeadLetter = Schemas['DeadLetter'];
export type BulkRetryResult = Schemas['MetrcBulkRetryResult'];

export interface SubmissionQuery {
  page?: number;
  limit?: number;
  status?: string;
  kind?: string;
  license_number?: string;
}

type Kind = Schemas['MetrcSubmissionKind'];
type SubmissionStatus = Schemas['MetrcSubmissionStatus'];
const defined = <T extends object>(q: T): T => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== '')) as T;

export function complianceService(api: Api) {
  const path = (id: string) => ({ path: { id } });
  return {
    list: (query: SubmissionQuery = {}) =>
      api.unwrap<Page<MetrcSubmission>>(
        api.client.GET('/metrc-submissions', { params: { query: defined({ ...query, status: query.status as SubmissionStatus | undefined, kind: query.kind as Kind | undefined }) } }),
      ),
    get: (id: string) => api.unwrap<MetrcSubmissionDetail>(api.client.GET('/metrc-submissions/{id}', { params: path(id) })),
    /** Packages the hub can suggest for the rows METRC refused (see the API's suggestions operation). */
    suggestions: (id: string) => api.unwrap(api.client.GET('/metrc-submissions/{id}/suggestions', { params: path(id) })),
    /** Retry as is, or with a corrected payload (the workflow re-validates it). */
    retry: (id: string, payload?: unknown) =>
      api.unwrap<MetrcSubmission>(
        api.client.POST('/metrc-submissions/{id}/retry', { params: path(id), body: payload === undefined ? {} : { payload: payload as Schemas['MetrcPayload'] } }),
      ),
    /** Retries failed submissions by ids or by filter; `dry_run` only counts them. */
    bulkRetry: (select: { ids?: string[]; filter?: { kind?: string; license_number?: string } }, dryRun: boolean) =>
      api.unwrap<BulkRetryResult>(
        api.client.POST('/metrc-submissions/bulk-retry', { body: { ...select, dry_run: dryRun } as Schemas['MetrcBulkRetry'] }),
      ),
    discard: (id: string, reason: string) =>
      api.unwrap<MetrcSubmission>(api.client.POST('/metrc-submissions/{id}/discard', { params: path(id), body: { reason } })),
    deadLetters: (query: { page?: number; limit?: number; queue?: string; status?: string; kind?: string } = {}) =>
      api.unwrap<Page<DeadLetter>>(api.client.GET('/dead-letters', { params: { query: defined(query) as never } })),
    /** The letter's work again (a notification is sent again); its workflow decides how. */
    retryDeadLetter: (id: string) => api.unwrap<DeadLetter>(api.client.POST('/dead-letters/{id}/retry', { params: path(id), body: {} })),
    discardDeadLetter: (id: string, reason: string) =>
      api.unwrap<DeadLetter>(api.client.POST('/dead-letters/{id}/discard', { params: path(id), body: { reason } })),
  };
}
