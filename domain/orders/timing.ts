/**
 * When the wholesaler is reminded of an order still waiting for acceptance: halfway to the
 * deadline and `beforeMs` ahead of it. Only instants strictly between submission and deadline
 * count; duplicates collapse. Times are epoch milliseconds.
 */
export function reminderTimes(submittedAtMs: number, deadlineAtMs: number, beforeMs: number): number[] {
  const span = deadlineAtMs - submittedAtMs;
  if (span <= 0) return [];
  const candidates = [submittedAtMs + Math.floor(span / 2)];
  if (beforeMs > 0) candidates.push(deadlineAtMs - beforeMs);
  return [...new Set(candidates.filter((t) => t > submittedAtMs && t < deadlineAtMs))].sort((a, b) => a - b);
}
