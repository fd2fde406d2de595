/**
 * The two waits of a METRC attempt that must not cost the submission an attempt:
 *
 * - the settle window: after a write's outcome was lost, METRC may still be working on it and
 *   commit it later. A check by identity that finds nothing proves nothing until no write in
 *   flight can commit any more, so the record is looked for with backoff (adopted the moment
 *   it appears) and a re-send is allowed only after the window has passed since the last send.
 * - credential blips: METRC's key service falters now and then and answers 401/403 to keys
 *   that work a minute later; those are retried with backoff for a configured window.
 */
import { isMetrcError, MetrcAuthError } from '../integrations/metrc/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Identity checks in the window back off from the configured interval up to this. */
export const MAX_SETTLE_CHECK_INTERVAL_MS = 15_000;

export interface SettleOptions {
  /** When the latest write of this submission left (epoch ms); null when none ever did. */
  lastSentMs: number | null;
  windowMs: number;
  checkIntervalMs: number;
  now?: () => number;
  wait?: (ms: number) => Promise<void>;
}

/**
 * Runs `check` until it finds the record or a check has been made after the window ended.
 * Returns the last check's answer: found, or "not there and can no longer appear".
 */
export async function settle<T extends { landed: boolean }>(check: () => Promise<T>, o: SettleOptions): Promise<T> {
  const now = o.now ?? Date.now;
  const wait = o.wait ?? sleep;
  const until = o.lastSentMs === null ? 0 : o.lastSentMs + o.windowMs;
  let delay = Math.max(1, o.checkIntervalMs);
  for (;;) {
    const r = await check();
    if (r.landed) return r;
    const left = until - now();
    if (left <= 0) return r;
    await wait(Math.min(delay, left));
    delay = Math.min(delay * 2, Math.max(o.checkIntervalMs, MAX_SETTLE_CHECK_INTERVAL_MS));
  }
}

export const isAuthFailure = (e: unknown): e is MetrcAuthError => isMetrcError(e) && e instanceof MetrcAuthError;

/**
 * Runs `fn` again after a 401/403 with backoff (1 s doubling to 15 s) until `windowMs` has passed
 * since the first one; then the auth error goes up. A refused request was not processed, so
 * running the step again (it begins with its own checks) cannot write twice.
 */
export async function withAuthRetry<T>(
  fn: () => Promise<T>,
  windowMs: number,
  opts: { now?: () => number; wait?: (ms: number) => Promise<void>; onRetry?: (e: MetrcAuthError) => void } = {},
): Promise<T> {
  const now = opts.now ?? Date.now;
  const wait = opts.wait ?? sleep;
  let firstAt: number | undefined;
  let delay = 1000;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!isAuthFailure(e)) throw e;
      firstAt ??= now();
      const left = firstAt + windowMs - now();
      if (left <= 0) throw e;
      opts.onRetry?.(e);
      await wait(Math.min(delay, left) + Math.floor(Math.random() * 100));
      delay = Math.min(delay * 2, 15_000);
    }
  }
}
