/**
 * The METRC side of an order's shipment, run as a child of the order workflow: send the
 * outgoing transfer template (a failed send goes to a metrcSubmission child, so failures get
 * the same dead letters, retry and reconciliation), then poll METRC until a user registers a
 * manifest from it (seconds apart at first, backing off to METRC_MANIFEST_POLL_INTERVAL; at once
 * on `checkManifest`), and report to the order through its `metrcStatus` signal. After the match
 * a detached watcher keeps checking the manifest and signals `drift` if it is voided or edited.
 */
import {
  ParentClosePolicy,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { metrcSubmissionWorkflowId, metrcWatchWorkflowId, orderWorkflowId } from '../contracts/ids.js';
import {
  checkManifestSignal,
  stopWatchSignal,
  submissionStatusSignal,
  type ManifestQuery,
  type MetrcSubmissionStatus,
  type MetrcTransferInput,
  type MetrcTransferResult,
  type MetrcTransferWatchInput,
} from '../contracts/metrc.js';
import { metrcStatusSignal, type MetrcStatusSignal } from '../contracts/order.js';
import { metrcSearchAttributes } from '../contracts/searchAttributes.js';
import type { AttemptError } from '../domain/metrc/failure.js';
import { manifestPollDelay } from '../domain/metrc/manifestPoll.js';
import { attemptErrorOf, metrcSubmission } from './metrcSubmission.js';
import { toRetryPolicy } from './retry.js';

async function tellOrder(orderId: string, status: MetrcStatusSignal): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(orderWorkflowId(orderId)).signal(metrcStatusSignal, status);
    return true;
  } catch {
    return false; // the order workflow is gone; the submission record still tells the story
  }
}

export async function metrcTransfer(input: MetrcTransferInput): Promise<MetrcTransferResult> {
  // 30 minutes: the template's submit attempt may wait out the settle window (see metrcSubmission).
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '30 seconds',
    retry: toRetryPolicy(input.retry),
  });
  const info = workflowInfo();
  // Reports to the order go out alongside this workflow's next step (a child start, an activity,
  // the completion) and are awaited only before the next report, instead of each costing a
  // workflow task of its own. Each carries a sequence number so the order can tell a stale one.
  let seq = 0;
  let lastReport: Promise<unknown> = Promise.resolve();
  const tell = async (status: MetrcStatusSignal): Promise<void> => {
    await lastReport;
    lastReport = tellOrder(input.orderId, { ...status, seq: ++seq });
  };

  // The template is sent by this workflow itself; only a failed send is handed to a
  // metrcSubmission child, which keeps the dead letter and waits for compliance staff to retry
  // or discard it (one workflow execution fewer per order on the happy path). Preparing is a
  // short database write, run as a local activity. The order announces 'submitting' itself.
  const plan = await proxyLocalActivities<Activities>({
    startToCloseTimeout: '10 seconds',
    retry: toRetryPolicy(input.retry),
  }).prepareMetrcTransfer({ orderId: input.orderId });
  if (!plan.ok) {
    await tell({ state: 'failed', detail: plan.reason });
    return { status: 'failed', reason: plan.reason };
  }
  // The transfer, its submission child and its drift watch carry the template submission's METRC
  // search attributes (the order starts this workflow without knowing the submission).
  const searchAttributes = metrcSearchAttributes({ submissionId: plan.submissionId, kind: 'transfer_template', license: plan.shipperLicense });
  upsertSearchAttributes(searchAttributes);

  /** The submission workflow's way: dead letter, then a person's retry or discard. */
  const viaSubmissionWorkflow = async (
    failedRound?: AttemptError,
  ): Promise<{ templateId: number } | { failed: string }> => {
    // While the child waits in the dead letters the order is told it failed; a later retry
    // that succeeds carries on from here.
    setHandler(submissionStatusSignal, (s: MetrcSubmissionStatus) => {
      if (s.state === 'failed') void tell({ state: 'failed', detail: s.reason ?? 'METRC submission failed' });
    });
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
    const id = result.metrcIds[0];
    return id === undefined ? { failed: 'METRC returned no template id' } : { templateId: id };
  };

  /** Sends the template here; a failure goes to the submission workflow with what went wrong. */
  const sendDirectly = async (): Promise<{ templateId: number } | { failed: string }> => {
    let failure: AttemptError;
    try {
      const r = await acts.submitMetrcSubmission({ submissionId: plan.submissionId });
      if (r.status === 'succeeded') {
        const id = r.metrcIds[0];
        return id === undefined ? { failed: 'METRC returned no template id' } : { templateId: id };
      }
      if (r.current === 'discarded') return { failed: 'transfer template discarded outside this workflow' };
      failure = { type: 'NotSendable', code: 'NOT_SENDABLE', message: `submission is ${r.current}` };
    } catch (err) {
      failure = attemptErrorOf(err);
    }
    return viaSubmissionWorkflow(failure);
  };

  let templateId = plan.templateId;
  if (plan.submissionStatus !== 'succeeded' || templateId === null) {
    const sent = plan.submissionStatus === 'pending' ? await sendDirectly() : await viaSubmissionWorkflow();
    if ('failed' in sent) {
      await tell({ state: 'failed', detail: sent.failed });
      return { status: 'failed', reason: sent.failed };
    }
    templateId = sent.templateId;
  }
  await tell({ state: 'awaiting_manifest', templateId, detail: `template ${templateId} created` });

  const query: ManifestQuery = {
    shipperLicense: plan.shipperLicense,
    recipientLicense: plan.recipientLicense,
    packageLabels: plan.packageLabels,
    windowStart: plan.windowStart,
    ...(plan.templateName ? { templateName: plan.templateName } : {}),
  };
  const deadline = Date.now() + plan.timeoutMs;
  // Looks start seconds apart and back off to the configured interval, and a check-now signal
  // cuts the wait short.
  let checkNow = false;
  setHandler(checkManifestSignal, () => {
    checkNow = true;
  });
  for (let round = 0; ; round++) {
    checkNow = false;
    const found = await acts.findMetrcManifest(query);
    if (found.found) {
      await tell({ state: 'matched', manifestNumber: found.manifestNumber, templateId });
      if (found.missingLabels.length || found.extraLabels.length) {
        const parts = [
          found.missingLabels.length ? `not shipped: ${found.missingLabels.join(', ')}` : '',
          found.extraLabels.length ? `also shipped: ${found.extraLabels.join(', ')}` : '',
        ].filter(Boolean);
        await tell({ state: 'drift', manifestNumber: found.manifestNumber, detail: parts.join('; ') });
      }
      if (plan.driftWatchMs > 0) {
        await startChild(metrcTransferWatch, {
          workflowId: metrcWatchWorkflowId(input.orderId),
          taskQueue: info.taskQueue,
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: searchAttributes,
          args: [
            {
              orderId: input.orderId,
              query,
              transferId: found.transferId,
              manifestNumber: found.manifestNumber,
              intervalMs: plan.driftCheckIntervalMs,
              untilMs: Date.now() + plan.driftWatchMs,
              ...(input.retry ? { retry: input.retry } : {}),
            },
          ],
        });
      }
      return { status: 'matched', manifestNumber: found.manifestNumber, templateId };
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    // The last wait ends at the deadline, so the final look happens as the time runs out.
    await condition(() => checkNow, Math.min(manifestPollDelay(round, plan.pollIntervalMs), left));
  }

  const reason = `no manifest registered for template ${templateId} within ${Math.round(plan.timeoutMs / 1000)} s`;
  await acts.recordDeadLetter({
    queue: info.taskQueue,
    workflowId: info.workflowId,
    kind: 'metrc_manifest_timeout',
    subjectId: input.orderId,
    payload: { orderId: input.orderId, submissionId: plan.submissionId, templateId, ...query },
    error: { code: 'MANIFEST_TIMEOUT', message: reason },
    attempts: 1,
  });
  await tell({ state: 'failed', detail: reason });
  return { status: 'failed', reason };
}

/** Checks the matched manifest now and then; the first drift is reported and ends the watch. */
export async function metrcTransferWatch(input: MetrcTransferWatchInput): Promise<{ drift: boolean; detail?: string }> {
  const { checkMetrcManifestDrift } = proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '30 seconds',
    retry: toRetryPolicy(input.retry),
  });
  let stop = false;
  setHandler(stopWatchSignal, () => {
    stop = true;
  });
  while (Date.now() < input.untilMs && !stop) {
    await condition(() => stop, input.intervalMs);
    if (stop) break;
    let check;
    try {
      check = await checkMetrcManifestDrift({ ...input.query, transferId: input.transferId });
    } catch {
      continue; // METRC unreachable for a while: look again next interval
    }
    if (check.drift) {
      const delivered = await tellOrder(input.orderId, {
        state: 'drift',
        manifestNumber: input.manifestNumber,
        detail: check.detail,
      });
      return { drift: true, detail: check.detail + (delivered ? '' : ' (order workflow gone)') };
    }
  }
  return { drift: false };
}
