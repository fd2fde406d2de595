/**
 * Nearest-rank percentiles: the smallest value with at least p% of the values at or below it.
 * Always one of the observed durations, so a test can find it with plain SQL (ROW_NUMBER).
 */
export function nearestRank(sortedAscending: readonly number[], p: number): number | null {
  if (sortedAscending.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAscending.length));
  return sortedAscending[rank - 1]!;
}
