/**
 * The METRC search attributes (registered in temporal.config.ts), defined once: every start of
 * a METRC workflow (submission, transfer's submission child, duplicate sweep) and the transfer
 * workflow's own upsert build them here, so compliance staff can find all the workflows of a
 * submission or a licence with GET /workflows?attribute=MetrcLicense=<licence>.
 * Workflow-safe (only @temporalio/common), so workflows, activities and the API share it.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

export const METRC_SEARCH_ATTRIBUTES = {
  MetrcSubmissionId: defineSearchAttributeKey('MetrcSubmissionId', SearchAttributeType.KEYWORD),
  MetrcSubmissionKind: defineSearchAttributeKey('MetrcSubmissionKind', SearchAttributeType.KEYWORD),
  MetrcLicense: defineSearchAttributeKey('MetrcLicense', SearchAttributeType.KEYWORD),
} as const;

/** What identifies a submission to a person looking for its workflows. */
export interface MetrcIdentity {
  submissionId: string;
  kind: string;
  license: string;
}

export function metrcSearchAttributes(s: MetrcIdentity): SearchAttributePair[] {
  return [
    { key: METRC_SEARCH_ATTRIBUTES.MetrcSubmissionId, value: s.submissionId },
    { key: METRC_SEARCH_ATTRIBUTES.MetrcSubmissionKind, value: s.kind },
    { key: METRC_SEARCH_ATTRIBUTES.MetrcLicense, value: s.license },
  ];
}
