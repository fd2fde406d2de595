/**
 * The order's side of its METRC transfer: starting the child once the order is fulfilled,
 * applying its reports (`metrcStatus` signal, then its result), cancelling it with the order, and
 * telling it to stop looking for a manifest when compliance ships without one.
 */
import {
  CancellationScope,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  isCancellation,
  log,
  startChild,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { metrcTransferWorkflowId } from '../../contracts/ids.js';
import { manifestOverriddenSignal, type MetrcTransferWorkflow } from '../../contracts/metrc.js';
import type { MetrcStatusSignal } from '../../contracts/order.js';
import { WORKFLOW_TYPES } from '../../contracts/workflowTypes.js';
import { isMetrcState, isTerminal, type MetrcState } from '../../domain/orders/status.js';
import { SYSTEM, type OrderRun } from './state.js';
import type { OrderSteps } from './steps.js';

export type MetrcChild = ReturnType<typeof metrcChild>;

export function metrcChild(run: OrderRun, steps: OrderSteps, exclusive: <T>(fn: () => Promise<T>) => Promise<T>) {
  const { input } = run;
  let scope: CancellationScope | undefined;
  let handle: ChildWorkflowHandle<MetrcTransferWorkflow> | undefined;
  let overridden = false;
  let lastSeq = 0;

  async function onStatus(s: MetrcStatusSignal): Promise<void> {
    if (!isMetrcState(s.state) || (s.state as MetrcState) === 'none') return;
    if (s.seq !== undefined) {
      if (s.seq <= lastSeq) return;
      lastSeq = s.seq;
    }
    await exclusive(async () => {
      if (isTerminal(run.status)) return;
      const m = run.metrc;
      if (s.state === m.state && s.manifestNumber === m.manifestNumber && s.detail === m.detail) return;
      const manifestNumber = s.manifestNumber ?? m.manifestNumber;
      const templateId = s.templateId ?? m.templateId;
      run.metrc = {
        state: s.state,
        ...(manifestNumber ? { manifestNumber } : {}),
        ...(templateId !== undefined ? { templateId } : {}),
        ...(s.detail ? { detail: s.detail } : {}),
      };
      await steps.record({ type: 'metrc_status', actor: { ...SYSTEM, label: 'METRC transfer' }, metrc: { ...run.metrc } });
    });
  }

  /** Fire and forget: an override must not wait on METRC, and a finished child needs no word. */
  function tellOverridden(): void {
    if (handle) void handle.signal(manifestOverriddenSignal).catch(() => undefined);
  }

  return {
    onStatus,
    get started(): boolean {
      return scope !== undefined;
    },

    start(): void {
      // The order says 'submitting' itself as it starts the child: one signal fewer per order.
      void onStatus({ state: 'submitting' });
      scope = new CancellationScope();
      scope
        .run(async () => {
          handle = await startChild<MetrcTransferWorkflow>(WORKFLOW_TYPES.metrcTransfer, {
            taskQueue: input.taskQueues.compliance,
            workflowId: metrcTransferWorkflowId(input.orderId),
            args: [{ orderId: input.orderId, ...(input.retry ? { retry: input.retry } : {}) }],
            parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
            // Do not wait for the child to acknowledge: cancelling an order must not hang on METRC.
            cancellationType: ChildWorkflowCancellationType.TRY_CANCEL,
            staticSummary: `METRC transfer for order ${input.orderNumber}`,
          });
          if (overridden) tellOverridden();
          const result = await handle.result();
          if (result.status === 'overridden') return;
          await onStatus(
            result.status === 'matched'
              ? { state: 'matched', manifestNumber: result.manifestNumber, templateId: result.templateId }
              : { state: 'failed', detail: result.reason },
          );
        })
        .catch(async (err: unknown) => {
          if (isCancellation(err)) return;
          log.warn('METRC transfer child failed', { error: String(err) });
          await onStatus({ state: 'failed', detail: err instanceof Error ? err.message : String(err) });
        });
    },

    /** The order is cancelled: the transfer goes with it. */
    cancel(): void {
      scope?.cancel();
    },

    /** Shipped under a compliance override: the transfer stops waiting for a manifest. */
    overridden(): void {
      if (!scope || overridden) return;
      overridden = true;
      tellOverridden();
    },
  };
}
