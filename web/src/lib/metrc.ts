/** Helpers for the compliance pages: payload validation and METRC's row messages. */
import type { MetrcAttempt, MetrcSubmissionDetail } from './services/compliance.js';

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** The corrected payload must be JSON and an object or array (METRC bodies are arrays of rows). */
export function parsePayload(text: string): Parsed {
  if (!text.trim()) return { ok: false, error: 'The payload is empty.' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (value === null || typeof value !== 'object') return { ok: false, error: 'The payload must be a JSON object or array.' };
  if (Array.isArray(value) && value.length === 0) return { ok: false, error: 'The payload has no rows.' };
  return { ok: true, value };
}

export function attemptsOf(s: Pick<MetrcSubmissionDetail, 'attempts'>): MetrcAttempt[] {
  return Array.isArray(s.attempts) ? s.attempts : [];
}

/** A row message as METRC's attempts carry it; `index` and bare strings are older spellings. */
type RowMessage = { row?: number | null; index?: number; message: string } | string;
/** What rowMessages reads: the spec's submission detail (its attempts), or messages of the submission's own. */
type WithMessages = { row_messages?: RowMessage[]; messages?: RowMessage[]; attempts?: unknown; [field: string]: unknown };

/** Row messages of the latest failed attempt, wherever the server put them. */
export function rowMessages(s: WithMessages): Array<{ row?: number; message: string }> {
  const norm = (m: RowMessage) =>
    typeof m === 'string' ? { message: m } : { ...((m.row ?? m.index) != null ? { row: (m.row ?? m.index) as number } : {}), message: m.message };
  const direct = s.row_messages ?? s.messages;
  if (direct?.length) return direct.map(norm);
  const attempts = Array.isArray(s.attempts) ? (s.attempts as Array<{ row_messages?: RowMessage[]; messages?: RowMessage[] }>) : [];
  for (let i = attempts.length - 1; i >= 0; i--) {
    const m = attempts[i]!.row_messages ?? attempts[i]!.messages;
    if (m?.length) return m.map(norm);
  }
  return [];
}
