/**
 * The METRC side of an order's shipment, run as a child of the order workflow: submit the
 * outgoing transfer template (through a metrcSubmission child, so failures get the same dead
 * letters, retry and reconciliation), then poll METRC until a user registers a manifest from
 * it (seconds apart at first, backing off to METRC_MANIFEST_POLL_INTERVAL; at once on the
 * `checkManifest` signal), and report to the order through its `metrcStatus` signal. After the match a detached
 * watcher keeps checking the manifest and signals `drift` if it is voided or edited.
 */
import {
  ParentClosePolicy,
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ManifestQuery } from '../activities/metrc.js';
import type { AttemptError } from '../domain/metrc/failure.js';
import { manifestPollDelay } from '../domain/metrc/manifestPoll.js';
import {
  attemptErrorOf,
  metrcSubmission,
  submissionStatusSignal,
  type MetrcSubmissionStatus,
} from './metrcSubmission.js';
import { metrcSearchAttributes } from './metrcSearchAttributes.js';
import { toRetryPolicy, type RetryInput } from './retry.js';

export interface MetrcTransferInput {
  orderId: string;
  retry?: RetryInput;
}

export type MetrcTransferState =
  'submitting' | 'template_created' | 'awaiting_manifest' | 'matched' | 'failed' | 'drift';

export interface MetrcStatusSignal {
  state: MetrcTransferState;
  manifestNumber?: string;
  templateId?: number;
  detail?: string;
  /** Order of sending, when reports are not awaited one by one (the receiver drops stale ones). */
  seq?: number;
}

export type MetrcTransferResult =
  { status: 'matched'; manifestNumber: string; templateId: number } | { status: 'failed'; reason: string };

/** Look for the manifest now (a user has just registered it); sent by POST /orders/{id}/metrc/check. */
export const checkManifestSignal = defineSignal('checkManifest');

/** The order workflow's signal; declared here too so both sides share the name and shape. */
export const metrcStatusSignal = defineSignal<[MetrcStatusSignal]>('metrcStatus');

const orderWorkflowId = (orderId: string) => `order:${orderId}`;

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
  // workflow task of its own. Each carries a sequence number so the order could tell a stale one.
  // Histories from before the change awaited each report at once (and sent template_created
  // apart) and replay that way.
  // One patch per generation, asked once (each costs a search-attribute write); the newest
  // implies the older ones.
  const direct = patched('metrc-transfer-sends-template-itself');
  const quick = direct || patched('metrc-transfer-reports-without-waiting');
  let seq = 0;
  let lastReport: Promise<unknown> = Promise.resolve();
  const tell = async (status: MetrcStatusSignal): Promise<void> => {
    if (!quick) {
      await tellOrder(input.orderId, status);
      return;
    }
    await lastReport;
    lastReport = tellOrder(input.orderId, { ...status, seq: ++seq });
  };

  // The template is sent by this workflow itself; only a failed send is handed to a
  // metrcSubmission child, which keeps the dead letter and waits for compliance staff to retry
  // or discard it (one workflow execution fewer per order on the happy path). Preparing is a
  // short database write, run as a local activity. Older histories started the child for every
  // template and announced 'submitting' themselves (the order now does, as it starts this).
  const plan = direct
    ? await proxyLocalActivities<Activities>({
        startToCloseTimeout: '10 seconds',
        retry: toRetryPolicy(input.retry),
      }).prepareMetrcTransfer({ orderId: input.orderId })
    : await acts.prepareMetrcTransfer({ orderId: input.orderId });
  if (!plan.ok) {
    await tell({ state: 'failed', detail: plan.reason });
    return { status: 'failed', reason: plan.reason };
  }
  // Generation 4, one patch asked once (each costs a search-attribute write): the transfer, its
  // submission child and its drift watch carry the template submission's METRC search
  // attributes (the order starts this workflow without knowing the submission), and the
  // manifest looks back off and answer a check-now signal (below). Older histories did neither.
  const v4 = patched('metrc-transfer-attributes-and-responsive-polling');
  const searchAttributes = v4
    ? metrcSearchAttributes({ submissionId: plan.submissionId, kind: 'transfer_template', license: plan.shipperLicense })
    : undefined;
  if (searchAttributes) upsertSearchAttributes(searchAttributes);

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
      workflowId: `metrc:${plan.submissionId}`,
      taskQueue: info.taskQueue,
      ...(searchAttributes ? { typedSearchAttributes: searchAttributes } : {}),
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
    if (!direct) await tell({ state: 'submitting' });
    const sent = direct && plan.submissionStatus === 'pending' ? await sendDirectly() : await viaSubmissionWorkflow();
    if ('failed' in sent) {
      await tell({ state: 'failed', detail: sent.failed });
      return { status: 'failed', reason: sent.failed };
    }
    templateId = sent.templateId;
  }
  if (quick) {
    await tell({ state: 'awaiting_manifest', templateId, detail: `template ${templateId} created` });
  } else {
    await tell({ state: 'template_created', templateId, detail: `template ${templateId}` });
    await tell({ state: 'awaiting_manifest', templateId });
  }

  const query: ManifestQuery = {
    shipperLicense: plan.shipperLicense,
    recipientLicense: plan.recipientLicense,
    packageLabels: plan.packageLabels,
    windowStart: plan.windowStart,
    ...(plan.templateName ? { templateName: plan.templateName } : {}),
  };
  const deadline = Date.now() + plan.timeoutMs;
  // Looks start seconds apart and back off to the configured interval, and a check-now signal
  // cuts the wait short. Older histories slept the full interval every time and replay so.
  const responsive = v4;
  let checkNow = false;
  if (responsive) {
    setHandler(checkManifestSignal, () => {
      checkNow = true;
    });
  }
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
          workflowId: `metrc-watch:${input.orderId}`,
          taskQueue: info.taskQueue,
          parentClosePolicy: ParentClosePolicy.ABANDON,
          ...(searchAttributes ? { typedSearchAttributes: searchAttributes } : {}),
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
    if (!responsive) {
      if (Date.now() + plan.pollIntervalMs > deadline) break;
      await sleep(plan.pollIntervalMs);
      continue;
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

/** Checks the matched manifest now and then; the first drift is reported and ends the watch. */
export async function metrcTransferWatch(input: MetrcTransferWatchInput): Promise<{ drift: boolean; detail?: string }> {
  const { checkMetrcManifestDrift } = proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '30 seconds',
    retry: toRetryPolicy(input.retry),
  });
  let stop = false;
  setHandler(defineSignal('stop'), () => {
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
