/**
 * The METRC workflows' contract: the transfer an order starts as its child, the submission
 * workflow (one per METRC write that may need a person), the manifest watch and the duplicate
 * sweep; their inputs, results, signals and queries.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { AttemptError } from '../domain/metrc/failure.js';
import { DEAD_LETTER_SIGNALS } from './deadLetters.js';
import type { RetryInput } from './retry.js';

export interface MetrcTransferInput {
  orderId: string;
  retry?: RetryInput;
}

/**
 * `overridden`: compliance shipped the order without the manifest; the transfer stopped looking
 * for one (nothing more to report, no dead letter).
 */
export type MetrcTransferResult =
  | { status: 'matched'; manifestNumber: string; templateId: number }
  | { status: 'failed'; reason: string }
  | { status: 'overridden' };
export type MetrcTransferWorkflow = (input: MetrcTransferInput) => Promise<MetrcTransferResult>;

/** Look for the manifest now (a user has just registered it); sent by POST /orders/{id}/metrc/check. */
export const checkManifestSignal = defineSignal('checkManifest');

/** The order shipped under a compliance override: the manifest is no longer awaited. */
export const manifestOverriddenSignal = defineSignal('manifestOverridden');

/** What the transfer and its watch look for in METRC. */
export interface ManifestQuery {
  shipperLicense: string;
  recipientLicense: string;
  packageLabels: string[];
  windowStart: string;
  /**
   * The template's Name (the order number), which METRC copies onto the transfer registered
   * from it. Only a hint: a transfer with this name is checked first and must still share the
   * labels; without a hit every transfer in the window is compared by labels.
   */
  templateName?: string;
}

export interface MetrcTransferWatchInput {
  orderId: string;
  query: ManifestQuery;
  transferId: number;
  manifestNumber: string;
  intervalMs: number;
  /** Epoch ms after which the watch ends quietly. */
  untilMs: number;
  retry?: RetryInput;
}
export const stopWatchSignal = defineSignal('stop');

export interface MetrcSubmissionInput {
  submissionId: string;
  retry?: RetryInput;
  /** A workflow told about every state change through `metrcSubmissionStatus` (metrcTransfer uses it). */
  notifyWorkflowId?: string;
  /** Receipt changes only: wait for the receipt (and earlier changes to it) before each round. */
  awaitReceipt?: AwaitReceiptOptions;
  /**
   * The first round already ran elsewhere and failed this way (metrcTransfer sends its template
   * itself and hands over only a failure): the workflow starts at the dead letter and waits.
   */
  failedRound?: AttemptError;
}

export interface AwaitReceiptOptions {
  /** First wait between checks; doubles up to maximumIntervalMs. Default 2 s. */
  initialIntervalMs?: number;
  /** Default 5 minutes. */
  maximumIntervalMs?: number;
  /** Waiting longer than this fails the round (dead letter) for a person to look at. Default 14 days. */
  timeoutMs?: number;
}

export type MetrcSubmissionState = 'waiting' | 'submitting' | 'failed' | 'succeeded' | 'discarded';

export interface MetrcRetrySignal {
  payload?: Record<string, unknown>;
  by?: string;
}
export interface MetrcDiscardSignal {
  reason: string;
  by?: string;
}
export interface MetrcSubmissionStatus {
  submissionId: string;
  state: MetrcSubmissionState;
  reason?: string;
  metrcIds?: number[];
}

export type MetrcSubmissionResult =
  { status: 'succeeded'; metrcIds: number[]; reconciled: boolean } | { status: 'discarded'; reason: string };
export type MetrcSubmissionWorkflow = (input: MetrcSubmissionInput) => Promise<MetrcSubmissionResult>;

export const retrySignal = defineSignal<[MetrcRetrySignal]>(DEAD_LETTER_SIGNALS.retry);
export const discardSignal = defineSignal<[MetrcDiscardSignal]>(DEAD_LETTER_SIGNALS.discard);
export const submissionStatusSignal = defineSignal<[MetrcSubmissionStatus]>('metrcSubmissionStatus');
export const submissionStateQuery = defineQuery<{
  state: MetrcSubmissionState;
  round: number;
  lastError?: AttemptError;
  waitingFor?: string;
}>('state');

export interface MetrcSweepInput {
  submissionId: string;
  /** Delays between looks, from the start of the sweep. */
  delaysMs: number[];
}
