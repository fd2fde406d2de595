import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, Next } from '@temporalio/worker';
import { dependencyDown } from '../platform/dependencyErrors.js';

/**
 * Activities run again, inside the same attempt, while the database or Redis is unreachable.
 * The default retry policy gives an activity 3 attempts over about 3 s; a MariaDB restart takes
 * longer, and the drills found in-flight order transfers failed for good by one
 * (drills/databaseRestart.ts). Running the activity again is what Temporal's next attempt would
 * do (activities are written to be retried), only with the patience a restart needs: up to a
 * minute, never past the attempt's own timeouts, and at once on cancellation.
 */
const MAX_WAIT_MS = 60_000;
const MARGIN_MS = 2_000;

function waitBudget(info: Context['info']): number {
  const byAttempt = Math.max(info.startToCloseTimeoutMs - MARGIN_MS, info.startToCloseTimeoutMs / 2);
  // The wait does not heartbeat (that would overwrite the activity's own progress details).
  const byHeartbeat = info.heartbeatTimeoutMs ? info.heartbeatTimeoutMs * 0.8 : Infinity;
  return Math.min(MAX_WAIT_MS, byAttempt, byHeartbeat);
}

class DependencyWait implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const started = Date.now();
    const budget = waitBudget(this.ctx.info);
    for (let round = 0; ; round++) {
      try {
        return await next(input);
      } catch (err) {
        const down = dependencyDown(err);
        const delay = Math.min(2000, 200 * 2 ** round);
        if (!down || Date.now() - started + delay > budget) throw err;
        this.ctx.log.warn('dependency unreachable; running the activity again', { dependency: down, round: round + 1, error: String(err) });
        await this.ctx.sleep(delay);
      }
    }
  }
}

export const waitForDependencies: ActivityInterceptorsFactory = (ctx) => ({ inbound: new DependencyWait(ctx) });
