/**
 * The generic contract of a workflow that writes a dead letter and waits for a person: the
 * dead-letter view signals `retry` ({ payload }) or `discard` ({ reason }) to it. METRC
 * submissions and notification deliveries and digests all answer these two names.
 */
import { defineSignal } from '@temporalio/workflow';

export const DEAD_LETTER_SIGNALS = { retry: 'retry', discard: 'discard' } as const;

export const deadLetterRetrySignal = defineSignal<[{ payload?: unknown; by?: string }]>(DEAD_LETTER_SIGNALS.retry);
export const deadLetterDiscardSignal = defineSignal<[{ reason?: string; by?: string }]>(DEAD_LETTER_SIGNALS.discard);
