/**
 * How often the transfer workflow looks for the manifest a user registers from its template
 * (issue 14.9). Users usually register it within moments of the template appearing, so the
 * first looks come seconds apart; a template left for later backs off to the configured
 * ceiling (METRC_MANIFEST_POLL_INTERVAL) so a slow shipment costs few METRC calls. A user who
 * has just registered it asks for a look at once instead (POST /orders/{id}/metrc/check).
 */
export const MANIFEST_POLL_FIRST_MS = 2_000;

/** The wait after look number `round` (0 = the first) before the next: doubling, capped. */
export function manifestPollDelay(round: number, ceilingMs: number, firstMs = MANIFEST_POLL_FIRST_MS): number {
  const first = Math.min(firstMs, ceilingMs);
  // The exponent is bounded so a months-long wait never overflows to Infinity.
  return Math.min(ceilingMs, first * 2 ** Math.min(Math.max(round, 0), 30));
}
