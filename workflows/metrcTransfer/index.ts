/**
 * The METRC side of an order's shipment, run as a child of the order workflow: send the
 * outgoing transfer template (template.ts), then poll METRC until a user registers a manifest
 * from it (seconds apart at first, backing off to METRC_MANIFEST_POLL_INTERVAL; at once on
 * `checkManifest`), and report to the order through its `metrcStatus` signal (reports.ts). After
 * the match a detached watcher (watch.ts) keeps checking the manifest and signals `drift` if it
 * is voided or edited. A compliance override of the order (`manifestOverridden`) ends the wait
 * quietly; running out of time writes a dead letter.
 */
import {
  ParentClosePolicy,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { metrcWatchWorkflowId } from '../../contracts/ids.js';
import {
  checkManifestSignal,
  manifestOverriddenSignal,
  type ManifestQuery,
  type MetrcTransferInput,
  type MetrcTransferResult,
} from '../../contracts/metrc.js';
import { metrcSearchAttributes } from '../../contracts/searchAttributes.js';
import { manifestPollDelay } from '../../domain/metrc/manifestPoll.js';
import { toRetryPolicy } from '../retry.js';
import { orderReporter } from './reports.js';
import { sendTemplate } from './template.js';
import { metrcTransferWatch } from './watch.js';

export { metrcTransferWatch };

export async function metrcTransfer(input: MetrcTransferInput): Promise<MetrcTransferResult> {
  const acts = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '30 seconds', retry: toRetryPolicy(input.retry) });
  const info = workflowInfo();
  // Compliance shipped the order without a manifest: nothing left to look for.
  let overridden = false;
  setHandler(manifestOverriddenSignal, () => {
    overridden = true;
  });
  const tell = orderReporter(input.orderId);

  // Preparing is a short database write, run as a local activity. The order announces
  // 'submitting' itself.
  // The attempt's timeout leaves room for the worker's dependency wait (worker/dependencyWait.ts,
  // up to a minute inside one attempt while the database or Redis is away): with 10 s a database
  // restart outlasted the seed's three attempts and left the order stuck at fulfilled (database
  // drill). Other failures keep the seed's three quick attempts.
  const prepareOptions = { startToCloseTimeout: '75 seconds', retry: toRetryPolicy(input.retry) } as const;
  const plan = await proxyLocalActivities<Activities>(prepareOptions).prepareMetrcTransfer({
    orderId: input.orderId,
  });
  if (!plan.ok) {
    await tell({ state: 'failed', detail: plan.reason });
    return { status: 'failed', reason: plan.reason };
  }
  // The transfer, its submission child and its drift watch carry the template submission's METRC
  // search attributes (the order starts this workflow without knowing the submission).
  const searchAttributes = metrcSearchAttributes({ submissionId: plan.submissionId, kind: 'transfer_template', license: plan.shipperLicense });
  upsertSearchAttributes(searchAttributes);

  let templateId = plan.templateId;
  if (plan.submissionStatus !== 'succeeded' || templateId === null) {
    const sent = await sendTemplate(input, plan, searchAttributes, tell);
    if ('failed' in sent) {
      await tell({ state: 'failed', detail: sent.failed });
      return { status: 'failed', reason: sent.failed };
    }
    templateId = sent.templateId;
  }
  if (overridden) return { status: 'overridden' };
  await tell({ state: 'awaiting_manifest', templateId, detail: `template ${templateId} created` });

  const query: ManifestQuery = {
    shipperLicense: plan.shipperLicense,
    recipientLicense: plan.recipientLicense,
    packageLabels: plan.packageLabels,
    windowStart: plan.windowStart,
    ...(plan.templateName ? { templateName: plan.templateName } : {}),
  };
  const deadline = Date.now() + plan.timeoutMs;
  // Looks start seconds apart and back off to the configured interval; a check-now signal cuts
  // the wait short.
  let checkNow = false;
  setHandler(checkManifestSignal, () => {
    checkNow = true;
  });
  for (let round = 0; ; round++) {
    if (overridden) return { status: 'overridden' };
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
    await condition(() => checkNow || overridden, Math.min(manifestPollDelay(round, plan.pollIntervalMs), left));
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
