/**
 * Where a bulk job's time goes, for benches only (POS_BENCH_TIMINGS=1: bench:pos-sync and
 * bench/pos-sync-phases.ts): milliseconds per named phase, summed over the process's life. Off by
 * default, and then no clock is read.
 */
const ENABLED = process.env.POS_BENCH_TIMINGS === '1';
const totals = new Map<string, number>();

export const phaseTimingsEnabled = (): boolean => ENABLED;

export function phaseTimings(): Record<string, number> {
  return Object.fromEntries([...totals].map(([k, v]) => [k, Math.round(v)]));
}

export function addPhaseTime(phase: string, ms: number): void {
  totals.set(phase, (totals.get(phase) ?? 0) + ms);
}

export async function timed<T>(phase: string, work: () => Promise<T>): Promise<T> {
  if (!ENABLED) return work();
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    addPhaseTime(phase, performance.now() - t0);
  }
}
