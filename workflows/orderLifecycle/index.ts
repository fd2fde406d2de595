/**
 * One order, from submission to its end, as a durable workflow (id `order:<orderId>`, queue
 * `orders`). The workflow is the single writer of the order's status: callers ask for
 * transitions through the `transition` update (transitions.ts), timers expire and auto-complete
 * (here), and the METRC child reports through `metrcStatus` (metrc.ts). Every step is written to
 * the read model by an idempotent activity (steps.ts); what the order holds is given back by the
 * saga (saga.ts) on cancel or expiry.
 */
import { allHandlersFinished, condition, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  availableTransitionsQuery,
  metrcStatusSignal,
  orderStateQuery,
  transitionUpdate,
  type OrderLifecycleInput,
  type OrderWorkflowState,
} from '../../contracts/order.js';
import { ORDER_SEARCH_ATTRIBUTES, orderSearchAttributes } from '../../contracts/searchAttributes.js';
import { isTerminal, type OrderStatus } from '../../domain/orders/status.js';
import { reminderTimes } from '../../domain/orders/timing.js';
import { availableTransitions } from '../../domain/orders/transitions.js';
import { metrcChild } from './metrc.js';
import { RELEASE_STOCK, Saga } from './saga.js';
import { SYSTEM, factsOf, newRun, serial, snapshotOf, type OrderRun } from './state.js';
import { orderSteps, type OrderSteps } from './steps.js';
import { asUpdateFailure, compensate, perform, validate } from './transitions.js';

export async function orderLifecycle(input: OrderLifecycleInput): Promise<OrderWorkflowState> {
  const run = newRun(input);
  const steps = orderSteps(run);
  const exclusive = serial();
  const saga = new Saga();
  const metrc = metrcChild(run, steps, exclusive);
  const parts = { run, steps, saga, metrc };
  // A resumed order that holds reserved stock gives it back if it is cancelled, as an accepted one does.
  if (run.status === 'accepted' || run.status === 'fulfilled') saga.push(RELEASE_STOCK, steps.releaseStock);

  // The API starts the workflow with its attributes; a start without them (a script) sets them.
  if (workflowInfo().typedSearchAttributes.get(ORDER_SEARCH_ATTRIBUTES.OrderId) !== input.orderId)
    upsertSearchAttributes(orderSearchAttributes({ ...input, status: run.status }));

  setHandler(
    transitionUpdate,
    async (args) => {
      try {
        await exclusive(() => perform(parts, args));
      } catch (err) {
        throw asUpdateFailure(err);
      }
      return snapshotOf(run);
    },
    {
      validator: (args) => validate(run, args),
      description: 'Move the order to its next status (accept, reject, fulfil, ship, deliver, complete, cancel)',
    },
  );
  setHandler(metrcStatusSignal, metrc.onStatus);
  setHandler(orderStateQuery, () => snapshotOf(run));
  setHandler(availableTransitionsQuery, (actor) => availableTransitions(factsOf(run), actor));

  await acceptanceWindow(run, steps, () =>
    exclusive(async () => {
      if (run.status !== 'submitted') return;
      await compensate(parts);
      await steps.moveTo('expired', SYSTEM, { reason: 'not accepted before the deadline' });
    }),
  );

  // Handlers change `run.status` behind the compiler's back; read it through a function here.
  const now = (): OrderStatus => run.status;
  while (!isTerminal(now())) {
    if (now() === 'fulfilled' && !metrc.started) metrc.start();
    if (now() === 'delivered' && input.autoCompleteAfterMs > 0) {
      if (!(await condition(() => run.status !== 'delivered', input.autoCompleteAfterMs))) {
        await exclusive(async () => {
          if (run.status === 'delivered') await steps.moveTo('completed', SYSTEM, { reason: 'completed automatically after delivery' });
        });
      }
      continue;
    }
    const seen = now();
    await condition(() => run.status !== seen);
  }
  run.step = null;
  await condition(allHandlersFinished);
  return snapshotOf(run);
}

/** Reminders before the acceptance deadline, then expiry if nobody accepted or rejected in time. */
async function acceptanceWindow(run: OrderRun, steps: OrderSteps, expire: () => Promise<void>): Promise<void> {
  const deadline = Date.parse(run.input.expiresAt);
  const decided = (ms: number) => condition(() => run.status !== 'submitted', Math.max(1, ms));
  let reminder = 0;
  for (const at of reminderTimes(Date.parse(run.input.submittedAt), deadline, run.input.reminderBeforeMs)) {
    if (await decided(at - Date.now())) return;
    await steps.remind(++reminder);
  }
  if (!(await decided(deadline - Date.now()))) await expire();
}
