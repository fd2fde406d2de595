/**
 * Dependency checks for /readyz. Each check runs with its own short timeout so one hung
 * dependency cannot hold the probe (or the load balancer) hostage.
 */
export type CheckFn = (signal: AbortSignal) => Promise<void>;

export interface DependencyStatus {
  status: 'ok' | 'down';
  latency_ms: number;
  error?: string;
}

export async function withTimeout<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctrl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctrl.abort();
      reject(new Error(`timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([fn(ctrl.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkAll(
  checks: Record<string, CheckFn>,
  timeoutMs: number,
): Promise<{ ok: boolean; dependencies: Record<string, DependencyStatus> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, DependencyStatus]> => {
      const started = performance.now();
      try {
        await withTimeout(timeoutMs, check);
        return [name, { status: 'ok', latency_ms: Math.round(performance.now() - started) }];
      } catch (err) {
        return [
          name,
          {
            status: 'down',
            latency_ms: Math.round(performance.now() - started),
            error: err instanceof Error ? err.message : String(err),
          },
        ];
      }
    }),
  );
  const dependencies = Object.fromEntries(entries);
  return { ok: entries.every(([, s]) => s.status === 'ok'), dependencies };
}
