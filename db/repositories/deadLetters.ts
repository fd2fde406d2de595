/**
 * The general dead-letter table: work that ran out of automatic retries, from any queue,
 * waiting for a person to retry (optionally with a corrected payload) or discard it.
 */
import { randomUUID } from 'node:crypto';
import type { Sequelize, Transaction } from 'sequelize';

export const DEAD_LETTER_STATUSES = ['open', 'retried', 'discarded'] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

export interface DeadLetterInput {
  queue: string;
  workflowId: string | null;
  kind: string;
  subjectId?: string | null;
  payload?: unknown;
  error?: unknown;
  attempts?: number;
}

export interface DeadLetterRow {
  id: string;
  queue: string;
  workflow_id: string | null;
  kind: string;
  subject_id: string | null;
  payload: unknown;
  error: unknown;
  attempts: number;
  status: DeadLetterStatus;
  resolution_note: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const parse = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : (v ?? null));

export function deadLetterFromRow(r: Record<string, unknown>): DeadLetterRow {
  return { ...(r as unknown as DeadLetterRow), payload: parse(r.payload), error: parse(r.error), attempts: Number(r.attempts) };
}

/**
 * One open letter per (kind, subject): a subject that fails again while its letter is still
 * open updates that letter instead of piling up copies.
 */
export async function recordDeadLetter(sequelize: Sequelize, d: DeadLetterInput, transaction?: Transaction): Promise<string> {
  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  if (d.subjectId) {
    const [rows] = await sequelize.query(
      `SELECT id FROM dead_letters WHERE kind = ? AND subject_id = ? AND status = 'open' ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
      { replacements: [d.kind, d.subjectId], transaction },
    );
    const existing = (rows as { id: string }[])[0]?.id;
    if (existing) {
      await sequelize.query(
        `UPDATE dead_letters SET payload = ?, error = ?, attempts = ?, workflow_id = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?`,
        { replacements: [json(d.payload), json(d.error), d.attempts ?? 0, d.workflowId, existing], transaction },
      );
      return existing;
    }
  }
  const id = randomUUID();
  await sequelize.query(
    `INSERT INTO dead_letters (id, queue, workflow_id, kind, subject_id, payload, error, attempts, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')`,
    {
      replacements: [id, d.queue, d.workflowId, d.kind, d.subjectId ?? null, json(d.payload), json(d.error), d.attempts ?? 0],
      transaction,
    },
  );
  return id;
}

/** Closes the open letters of a subject (e.g. when its submission is retried or discarded elsewhere). */
export async function resolveDeadLettersFor(
  sequelize: Sequelize,
  kind: string,
  subjectId: string,
  status: Exclude<DeadLetterStatus, 'open'>,
  by: string | null,
  note: string | null,
  transaction?: Transaction,
): Promise<number> {
  const [, meta] = await sequelize.query(
    `UPDATE dead_letters SET status = ?, resolved_by = ?, resolution_note = ?, resolved_at = CURRENT_TIMESTAMP(3),
       updated_at = CURRENT_TIMESTAMP(3) WHERE kind = ? AND subject_id = ? AND status = 'open'`,
    { replacements: [status, by, note, kind, subjectId], transaction },
  );
  return (meta as { affectedRows?: number })?.affectedRows ?? 0;
}

export async function getDeadLetter(sequelize: Sequelize, id: string, transaction?: Transaction) {
  const [rows] = await sequelize.query(`SELECT * FROM dead_letters WHERE id = ?${transaction ? ' FOR UPDATE' : ''}`, {
    replacements: [id],
    transaction,
  });
  const r = (rows as Record<string, unknown>[])[0];
  return r ? deadLetterFromRow(r) : null;
}

/**
 * Keeps the oldest open letter of this kind and subject and removes the others: writers that
 * race with no open letter yet to lock may each insert one, and every one of them then converges
 * on the same survivor.
 */
export async function keepOldestOpenDeadLetter(sequelize: Sequelize, kind: string, subjectId: string): Promise<void> {
  const [open] = await sequelize.query(`SELECT id FROM dead_letters WHERE kind = ? AND subject_id = ? AND status = 'open' ORDER BY created_at, id`, {
    replacements: [kind, subjectId],
  });
  const extra = (open as { id: string }[]).slice(1).map((r) => r.id);
  if (extra.length) await sequelize.query('DELETE FROM dead_letters WHERE id IN (?)', { replacements: [extra] });
}

/** The open letter of this kind and subject that stands for it (the oldest, as keepOldestOpenDeadLetter keeps), if any. */
export async function oldestOpenDeadLetterId(sequelize: Sequelize, kind: string, subjectId: string): Promise<string | undefined> {
  const [rows] = await sequelize.query(`SELECT id FROM dead_letters WHERE kind = ? AND subject_id = ? AND status = 'open' ORDER BY created_at, id LIMIT 1`, {
    replacements: [kind, subjectId],
  });
  return (rows as { id: string }[])[0]?.id;
}

/** open → status, unless someone resolved it first (then false). */
export async function closeDeadLetter(sequelize: Sequelize, id: string, status: 'retried' | 'discarded', by: string, note: string | null): Promise<boolean> {
  const [, meta] = await sequelize.query(
    `UPDATE dead_letters SET status = ?, resolved_by = ?, resolution_note = ?, resolved_at = CURRENT_TIMESTAMP(3),
       updated_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status = 'open'`,
    { replacements: [status, by, note, id] },
  );
  return ((meta as { affectedRows?: number })?.affectedRows ?? 0) > 0;
}

/** One page of dead letters matching `filter` (a WHERE clause built from code), open ones first, newest first. */
export async function deadLettersPage(sequelize: Sequelize, filter: { where: string; replacements: unknown[] }, limit: number, offset: number): Promise<{ rows: DeadLetterRow[]; total: number }> {
  const [[countRows], [rows]] = await Promise.all([
    sequelize.query(`SELECT COUNT(*) AS n FROM dead_letters ${filter.where}`, { replacements: filter.replacements }),
    sequelize.query(`SELECT * FROM dead_letters ${filter.where} ORDER BY (status = 'open') DESC, created_at DESC, id DESC LIMIT ? OFFSET ?`, {
      replacements: [...filter.replacements, limit, offset],
    }),
  ]);
  return { rows: (rows as Record<string, unknown>[]).map(deadLetterFromRow), total: Number((countRows as { n: number }[])[0]?.n ?? 0) };
}
