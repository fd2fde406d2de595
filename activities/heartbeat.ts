/** Heartbeats for long activities, usable outside an activity too (benchmarks, unit tests). */
import { Context } from '@temporalio/activity';

export function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (benchmarks, unit tests)
  }
}

/** Heartbeats while work is in flight, so a lost worker is noticed within the heartbeat timeout. */
export async function withHeartbeat<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = currentContext();
  const timer = ctx ? setInterval(() => ctx.heartbeat(), 1000) : undefined;
  try {
    ctx?.heartbeat();
    return await fn();
  } finally {
    if (timer) clearInterval(timer);
  }
}
