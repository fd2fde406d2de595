/**
 * Custom search attributes (registered in temporal.config.ts): the keys every start and upsert
 * uses, and the list the console shows. Workflow-safe (only @temporalio/common).
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

export const ORDER_SEARCH_ATTRIBUTES = {
  OrderId: defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD),
  RetailerId: defineSearchAttributeKey('RetailerId', SearchAttributeType.KEYWORD),
  WholesalerId: defineSearchAttributeKey('WholesalerId', SearchAttributeType.KEYWORD),
  OrderStatus: defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD),
  OrderNumber: defineSearchAttributeKey('OrderNumber', SearchAttributeType.KEYWORD),
} as const;

export const METRC_SEARCH_ATTRIBUTES = {
  MetrcSubmissionId: defineSearchAttributeKey('MetrcSubmissionId', SearchAttributeType.KEYWORD),
  MetrcSubmissionKind: defineSearchAttributeKey('MetrcSubmissionKind', SearchAttributeType.KEYWORD),
  MetrcLicense: defineSearchAttributeKey('MetrcLicense', SearchAttributeType.KEYWORD),
} as const;

export const POS_SEARCH_ATTRIBUTES = {
  PosConnectionId: defineSearchAttributeKey('PosConnectionId', SearchAttributeType.KEYWORD),
} as const;

/** Every custom attribute, in the order the console lists them. */
export const SEARCH_ATTRIBUTE_NAMES = [
  ...Object.keys(ORDER_SEARCH_ATTRIBUTES),
  ...Object.keys(METRC_SEARCH_ATTRIBUTES),
  ...Object.keys(POS_SEARCH_ATTRIBUTES),
] as Array<keyof typeof ORDER_SEARCH_ATTRIBUTES | keyof typeof METRC_SEARCH_ATTRIBUTES | keyof typeof POS_SEARCH_ATTRIBUTES>;

/** What an order workflow is found by; set at its start. */
export function orderSearchAttributes(o: { orderId: string; retailerId: string; wholesalerId: string; orderNumber: string; status: string }): SearchAttributePair[] {
  return [
    { key: ORDER_SEARCH_ATTRIBUTES.OrderId, value: o.orderId },
    { key: ORDER_SEARCH_ATTRIBUTES.RetailerId, value: o.retailerId },
    { key: ORDER_SEARCH_ATTRIBUTES.WholesalerId, value: o.wholesalerId },
    { key: ORDER_SEARCH_ATTRIBUTES.OrderNumber, value: o.orderNumber },
    { key: ORDER_SEARCH_ATTRIBUTES.OrderStatus, value: o.status },
  ];
}

/** What identifies a submission to a person looking for its workflows. */
export interface MetrcIdentity {
  submissionId: string;
  kind: string;
  license: string;
}

/**
 * Every start of a METRC workflow (submission, the transfer's submission child, duplicate sweep)
 * and the transfer's own upsert carry these, so compliance staff find all the workflows of a
 * submission or a licence with GET /workflows?attribute=MetrcLicense=<licence>.
 */
export function metrcSearchAttributes(s: MetrcIdentity): SearchAttributePair[] {
  return [
    { key: METRC_SEARCH_ATTRIBUTES.MetrcSubmissionId, value: s.submissionId },
    { key: METRC_SEARCH_ATTRIBUTES.MetrcSubmissionKind, value: s.kind },
    { key: METRC_SEARCH_ATTRIBUTES.MetrcLicense, value: s.license },
  ];
}
