/**
 * The transfer template's way into METRC: sent by the transfer itself; only a failed send is
 * handed to a metrcSubmission child, which keeps the dead letter and waits for compliance staff
 * to retry or discard it (one workflow execution fewer per order on the happy path).
 */
import { proxyActivities, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import type { Activities } from '../../activities/index.js';
import type { TransferPlan } from '../../activities/metrc.js';
import { metrcSubmissionWorkflowId } from '../../contracts/ids.js';
import { submissionStatusSignal, type MetrcSubmissionStatus, type MetrcTransferInput } from '../../contracts/metrc.js';
import type { MetrcStatusSignal } from '../../contracts/order.js';
import type { AttemptError } from '../../domain/metrc/failure.js';
import { attemptErrorOf, metrcSubmission } from '../metrcSubmission.js';
import { toRetryPolicy } from '../retry.js';

export type Sent = { templateId: number } | { failed: string };

const templateIdOf = (ids: number[]): Sent => (ids[0] === undefined ? { failed: 'METRC returned no template id' } : { templateId: ids[0] });

export async function sendTemplate(
  input: MetrcTransferInput,
  plan: TransferPlan,
  searchAttributes: SearchAttributePair[],
  tell: (status: MetrcStatusSignal) => Promise<void>,
): Promise<Sent> {
  /** The submission workflow's way: dead letter, then a person's retry or discard. */
  const viaSubmissionWorkflow = async (failedRound?: AttemptError): Promise<Sent> => {
    // While the child waits in the dead letters the order is told it failed; a later retry
    // that succeeds carries on from here.
    setHandler(submissionStatusSignal, (s: MetrcSubmissionStatus) => {
      if (s.state === 'failed') void tell({ state: 'failed', detail: s.reason ?? 'METRC submission failed' });
    });
    const info = workflowInfo();
    const child = await startChild(metrcSubmission, {
      workflowId: metrcSubmissionWorkflowId(plan.submissionId),
      taskQueue: info.taskQueue,
      typedSearchAttributes: searchAttributes,
      args: [
        {
          submissionId: plan.submissionId,
          ...(input.retry ? { retry: input.retry } : {}),
          notifyWorkflowId: info.workflowId,
          ...(failedRound ? { failedRound } : {}),
        },
      ],
    });
    const result = await child.result();
    if (result.status !== 'succeeded') return { failed: `transfer template discarded: ${result.reason}` };
    return templateIdOf(result.metrcIds);
  };

  if (plan.submissionStatus !== 'pending') return viaSubmissionWorkflow();
  // 30 minutes: the submit attempt may wait out the settle window (see metrcSubmission).
  const { submitMetrcSubmission } = proxyActivities<Activities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '30 seconds',
    retry: toRetryPolicy(input.retry),
  });
  let failure: AttemptError;
  try {
    const r = await submitMetrcSubmission({ submissionId: plan.submissionId });
    if (r.status === 'succeeded') return templateIdOf(r.metrcIds);
    if (r.current === 'discarded') return { failed: 'transfer template discarded outside this workflow' };
    failure = { type: 'NotSendable', code: 'NOT_SENDABLE', message: `submission is ${r.current}` };
  } catch (err) {
    failure = attemptErrorOf(err);
  }
  return viaSubmissionWorkflow(failure);
}
