import type { Counts } from './load.js';
import type { Outcome } from './verify.js';

export interface Check {
  what: string;
  ok: boolean;
  detail?: string;
}

export interface DrillResult {
  name: string;
  short: boolean;
  seconds: number;
  counts: Counts;
  outcome?: Outcome;
  /** Drill-specific figures (time to recover, kills, …). */
  figures: Array<[string, string | number]>;
  checks: Check[];
  samples5xx: string[];
  /** 503 and no-answer causes, counted (see Http.reasons). */
  reasons: Record<string, number>;
}

export const passed = (r: DrillResult) => r.checks.every((c) => c.ok);

export function formatResult(r: DrillResult): string {
  const rows: Array<[string, string | number]> = [
    ['requests sent', r.counts.sent],
    ['answered 2xx', r.counts.s2xx],
    ['answered 4xx', r.counts.s4xx],
    ['answered 5xx (other than 503)', r.counts.s5xx],
    ['answered 503', r.counts.s503],
    ['no answer (refused, reset or 30 s timeout)', r.counts.noAnswer],
  ];
  if (r.outcome) {
    const o = r.outcome;
    rows.push(
      ['orders accepted (201)', o.placed201],
      ['orders found afterwards', o.found],
      ['orders answered 201 but missing', o.lost],
      ['duplicate orders', o.duplicates],
      ['orders without their workflow', o.withoutWorkflow],
      ['orders completed', o.completed],
      ['double reservations', o.doubleReservations],
      ['duplicate METRC records', o.duplicateMetrcRecords],
      ['duplicate timeline events', o.duplicateTimelineEvents],
      ['timeline events not on the stream', o.eventsNotOnStream],
      ['events on the stream twice', o.eventsOnStreamTwice],
    );
  }
  rows.push(...r.figures, ['drill wall time (s)', r.seconds.toFixed(1)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  const lines = [`── drill ${r.name}${r.short ? ' (short)' : ''} ──`, ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`), '  checks:'];
  for (const c of r.checks) lines.push(`    ${c.ok ? 'PASS' : 'FAIL'}  ${c.what}${c.detail ? ` (${c.detail})` : ''}`);
  for (const s of r.samples5xx) lines.push(`  5xx sample: ${s}`);
  for (const [why, n] of Object.entries(r.reasons).sort((a, b) => b[1] - a[1]).slice(0, 6)) lines.push(`  ${n}× ${why}`);
  for (const e of (r.outcome?.driverErrors ?? []).slice(0, 5)) lines.push(`  driver error: ${e}`);
  return lines.join('\n');
}
