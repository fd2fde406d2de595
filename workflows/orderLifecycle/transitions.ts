/**
 * The `transition` update: the validator refuses at once what domain/orders refuses (nothing
 * is written, no history grows), and `perform` carries out an accepted one under the order's
 * lock, deciding again against the state the queued steps before it left.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { FAILURE, TRANSITION_FAILED, failureTypeOf } from '../../contracts/failures.js';
import type { ActorRef, TransitionArgs } from '../../contracts/order.js';
import type { Actor } from '../../domain/actor.js';
import { PACKAGE_LABEL } from '../../domain/orders/fulfilment.js';
import { availableTransitions, decide, type Decision } from '../../domain/orders/transitions.js';
import type { MetrcChild } from './metrc.js';
import { RELEASE_STOCK, type Saga } from './saga.js';
import { PENDING, factsOf, type OrderRun } from './state.js';
import type { OrderSteps } from './steps.js';

const refOf = (a: Actor): ActorRef => ({ kind: a.kind, id: a.id, role: a.role, ...(a.label ? { label: a.label } : {}) });

function refusal(run: OrderRun, type: string, message: string, allowed: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [{ status: run.status, allowed }] });
}

const rejection = (run: OrderRun, d: Extract<Decision, { ok: false }>) => refusal(run, failureTypeOf(d.error), d.message, d.allowed);

/** Update failures must be ApplicationFailures; anything else would fail the workflow task. */
export function asUpdateFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      type: err.cause.type ?? TRANSITION_FAILED,
      message: err.cause.message,
      nonRetryable: true,
      details: (err.cause.details as unknown[] | undefined) ?? [],
    });
  }
  return ApplicationFailure.create({ type: TRANSITION_FAILED, message: err instanceof Error ? err.message : String(err), nonRetryable: true });
}

export function validate(run: OrderRun, args: TransitionArgs): void {
  const allowed = () => availableTransitions(factsOf(run), args.actor);
  if (args.action === 'expire') throw refusal(run, FAILURE.Forbidden, 'Orders expire by their deadline only', allowed());
  const d = decide(factsOf(run), args.actor, args);
  if (!d.ok) throw rejection(run, d);
  if (d.action === 'fulfil') {
    const bad = (args.lines ?? []).filter((l) => !PACKAGE_LABEL.test(l.metrc_package_label));
    if (!args.lines?.length || bad.length) {
      throw refusal(run, FAILURE.ValidationError, 'Fulfilment needs a valid METRC package label for every line', allowed());
    }
  }
}

export interface TransitionParts {
  run: OrderRun;
  steps: OrderSteps;
  saga: Saga;
  metrc: MetrcChild;
}

/** Undoes what the order holds, saying on `pendingStep` what is being given back. */
export const compensate = ({ run, saga }: Pick<TransitionParts, 'run' | 'saga'>) =>
  saga.unwind((name) => {
    run.step = `compensating: ${name}`;
  });

export async function perform(parts: TransitionParts, args: TransitionArgs): Promise<void> {
  const { run, steps, saga, metrc } = parts;
  // Who may act was settled by the validator; deciding again here catches a state that queued
  // steps changed meanwhile.
  const d = decide(factsOf(run), args.actor, args);
  if (!d.ok) throw rejection(run, d);
  const actor = refOf(args.actor);
  const reason = args.reason ?? null;
  const origin = args.origin ? { origin: args.origin } : {};
  switch (d.action) {
    case 'accept':
      run.step = 'reserving stock';
      // Reservation and status change commit together: nothing to undo if either fails.
      try {
        await steps.moveTo('accepted', actor, { reason, ...origin, stock: 'reserve' });
      } catch (err) {
        run.step = PENDING[run.status];
        throw err;
      }
      saga.push(RELEASE_STOCK, steps.releaseStock);
      return;
    case 'fulfil':
      await steps.moveTo('fulfilled', actor, { reason, labels: args.lines ?? [], ...origin });
      return;
    case 'ship':
      run.step = 'moving stock out';
      // The units leave the building with this step: nothing is held any more to give back.
      saga.drop(RELEASE_STOCK);
      await steps.moveTo('shipped', actor, { reason, ...(d.override ? { complianceOverride: true } : {}), ...origin, stock: 'ship' });
      // Shipped without a manifest: the transfer would otherwise look for one until it times out.
      if (d.override) metrc.overridden();
      return;
    case 'cancel':
      metrc.cancel();
      await compensate(parts);
      await steps.moveTo('cancelled', actor, { reason, ...origin });
      return;
    case 'reject':
    case 'deliver':
    case 'complete':
      await steps.moveTo(d.to, actor, { reason, ...origin });
      return;
    case 'expire':
      throw ApplicationFailure.create({ type: FAILURE.Forbidden, message: 'Orders expire by their deadline only', nonRetryable: true });
  }
}
