/**
 * Data access for metrc_submissions and their attempts, shared by the compliance API and the
 * METRC activities. Status changes that race (retry, discard, an attempt starting) are guarded
 * in SQL by the status they expect, so two actors can never both win.
 */
import { randomUUID } from 'node:crypto';
import type { Sequelize, Transaction } from 'sequelize';
import {
  naturalKey,
  receiptKey,
  receiptUpdateKeyPrefix,
  receiptVoidKey,
  type SubmissionKind,
  type SubmissionStatus,
} from '../../domain/metrc/kinds.js';
import { metrcSubmissionWorkflowId } from '../../contracts/ids.js';
import type { AttemptError } from '../../domain/metrc/failure.js';
import { isDuplicate, type AtomicWriter } from '../tx.js';

export interface SubmissionRow {
  id: string;
  kind: SubmissionKind;
  license_number: string;
  natural_key: string;
  order_id: string | null;
  pos_sale_id: string | null;
  payload: Record<string, unknown>;
  status: SubmissionStatus;
  attempt_count: number;
  round: number;
  possibly_landed: boolean;
  first_sent_at: Date | null;
  /** When the latest write left (worker clock, epoch ms): the settle window runs from here. */
  last_sent_ms: number | null;
  /** Some attempt's outcome was lost: the duplicate sweep looks again after success. */
  had_ambiguous: boolean;
  duplicates_repaired: number;
  sweep_note: string | null;
  pre_image: unknown;
  metrc_ids: number[] | null;
  reconciled: boolean;
  last_error_code: string | null;
  failure_reason: string | null;
  discard_reason: string | null;
  workflow_id: string | null;
  created_by: string | null;
  succeeded_at: Date | null;
  failed_at: Date | null;
  discarded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface AttemptRow {
  attempt: number;
  round: number;
  outcome: 'running' | 'succeeded' | 'reconciled' | 'failed';
  error_type: string | null;
  error_code: string | null;
  error_message: string | null;
  http_status: number | null;
  ambiguous: boolean;
  row_messages: { row: number | null; message: string }[];
  metrc_ids: number[] | null;
  rate_limit_waits: number;
  started_at: Date;
  finished_at: Date | null;
}

const json = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : (v ?? null));

export function submissionFromRow(r: Record<string, unknown>): SubmissionRow {
  return {
    ...(r as unknown as SubmissionRow),
    payload: json(r.payload) as Record<string, unknown>,
    pre_image: json(r.pre_image),
    metrc_ids: json(r.metrc_ids) as number[] | null,
    possibly_landed: Boolean(Number(r.possibly_landed)),
    last_sent_ms: r.last_sent_ms == null ? null : Number(r.last_sent_ms),
    had_ambiguous: Boolean(Number(r.had_ambiguous)),
    duplicates_repaired: Number(r.duplicates_repaired ?? 0),
    sweep_note: (r.sweep_note as string | null | undefined) ?? null,
    reconciled: Boolean(Number(r.reconciled)),
    attempt_count: Number(r.attempt_count),
    round: Number(r.round),
  };
}

function attemptFromRow(r: Record<string, unknown>): AttemptRow {
  return {
    ...(r as unknown as AttemptRow),
    ambiguous: Boolean(Number(r.ambiguous)),
    row_messages: (json(r.row_messages) as AttemptRow['row_messages']) ?? [],
    metrc_ids: json(r.metrc_ids) as number[] | null,
    attempt: Number(r.attempt),
    round: Number(r.round),
    http_status: r.http_status == null ? null : Number(r.http_status),
    rate_limit_waits: Number(r.rate_limit_waits),
  };
}

export const workflowIdFor = metrcSubmissionWorkflowId;

export interface NewSubmission {
  kind: SubmissionKind;
  licenseNumber: string;
  payload: Record<string, unknown>;
  orderId?: string | null;
  posSaleId?: string | null;
  createdBy?: string | null;
}

export type InsertResult = { created: true; row: SubmissionRow } | { created: false; existingId: string };

/** Inserts a pending submission; an existing record with the same natural key is reported instead. */
export async function insertSubmission(sequelize: Sequelize, s: NewSubmission, transaction?: Transaction): Promise<InsertResult> {
  const id = randomUUID();
  const key = naturalKey(s.kind, s.payload, id);
  const [rows] = await sequelize.query(
    'SELECT id FROM metrc_submissions WHERE kind = ? AND license_number = ? AND natural_key = ?',
    { replacements: [s.kind, s.licenseNumber, key], transaction },
  );
  const existing = (rows as { id: string }[])[0];
  if (existing) return { created: false, existingId: existing.id };
  try {
    await sequelize.query(
      `INSERT INTO metrc_submissions (id, kind, license_number, natural_key, order_id, pos_sale_id, payload, status, workflow_id, created_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      {
        replacements: [id, s.kind, s.licenseNumber, key, s.orderId ?? null, s.posSaleId ?? null, JSON.stringify(s.payload), workflowIdFor(id), s.createdBy ?? null],
        transaction,
      },
    );
  } catch (e) {
    if (isDuplicate(e)) {
      const again = await sequelize.query('SELECT id FROM metrc_submissions WHERE kind = ? AND license_number = ? AND natural_key = ?', {
        replacements: [s.kind, s.licenseNumber, key],
        transaction,
      });
      const row = (again[0] as { id: string }[])[0];
      if (row) return { created: false, existingId: row.id };
    }
    throw e;
  }
  return { created: true, row: (await getSubmission(sequelize, id, transaction))! };
}

export async function getSubmission(sequelize: Sequelize, id: string, transaction?: Transaction, lock = false) {
  const [rows] = await sequelize.query(`SELECT * FROM metrc_submissions WHERE id = ?${lock ? ' FOR UPDATE' : ''}`, {
    replacements: [id],
    transaction,
  });
  const r = (rows as Record<string, unknown>[])[0];
  return r ? submissionFromRow(r) : null;
}

export async function findSubmissionByKey(
  sequelize: Sequelize,
  kind: SubmissionKind,
  licenseNumber: string,
  key: string,
  transaction?: Transaction,
): Promise<SubmissionRow | null> {
  const [rows] = await sequelize.query('SELECT * FROM metrc_submissions WHERE kind = ? AND license_number = ? AND natural_key = ?', {
    replacements: [kind, licenseNumber, key],
    transaction,
  });
  const r = (rows as Record<string, unknown>[])[0];
  return r ? submissionFromRow(r) : null;
}

/** The sales_receipt submission whose ExternalReceiptNumber is `externalNumber`. */
export const findReceiptSubmission = (sequelize: Sequelize, licenseNumber: string, externalNumber: string, transaction?: Transaction) =>
  findSubmissionByKey(sequelize, 'sales_receipt', licenseNumber, receiptKey(externalNumber), transaction);

/** Every update and void queued for one receipt, in any status, oldest first. */
export async function listReceiptChanges(
  sequelize: Sequelize,
  licenseNumber: string,
  externalNumber: string,
  transaction?: Transaction,
): Promise<SubmissionRow[]> {
  const like = receiptUpdateKeyPrefix(externalNumber).replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
  const [rows] = await sequelize.query(
    `SELECT * FROM metrc_submissions
      WHERE license_number = ? AND ((kind = 'sales_receipt_void' AND natural_key = ?) OR (kind = 'sales_receipt_update' AND natural_key LIKE ?))
      ORDER BY created_at, id`,
    { replacements: [licenseNumber, receiptVoidKey(externalNumber), like], transaction },
  );
  return (rows as Record<string, unknown>[]).map(submissionFromRow);
}

/**
 * pending → discarded for a submission that has never been attempted (so nothing of it can be
 * in METRC), e.g. a receipt whose sale was voided before it went out. False when an attempt
 * began first: then it has to run its course and be undone in METRC.
 */
export async function withdrawUnsent(sequelize: Sequelize, id: string, reason: string, transaction?: Transaction): Promise<boolean> {
  const [, meta] = await sequelize.query(
    `UPDATE metrc_submissions SET status = 'discarded', discard_reason = ?, discarded_at = CURRENT_TIMESTAMP(3),
       updated_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status = 'pending' AND attempt_count = 0 AND possibly_landed = 0`,
    { replacements: [reason.slice(0, 2000), id], transaction },
  );
  return ((meta as { affectedRows?: number })?.affectedRows ?? 0) > 0;
}

/** pending → discarded for a change that turned out to have nothing to do (its receipt never went out). */
export async function markMoot(sequelize: Sequelize, id: string, reason: string): Promise<boolean> {
  const [, meta] = await sequelize.query(
    `UPDATE metrc_submissions SET status = 'discarded', discard_reason = ?, discarded_at = CURRENT_TIMESTAMP(3),
       updated_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status = 'pending' AND possibly_landed = 0`,
    { replacements: [reason.slice(0, 2000), id] },
  );
  return ((meta as { affectedRows?: number })?.affectedRows ?? 0) > 0;
}

export async function listAttempts(sequelize: Sequelize, submissionId: string): Promise<AttemptRow[]> {
  const [rows] = await sequelize.query(
    `SELECT attempt, round, outcome, error_type, error_code, error_message, http_status, ambiguous, row_messages,
            metrc_ids, rate_limit_waits, started_at, finished_at
       FROM metrc_submission_attempts WHERE submission_id = ? ORDER BY attempt`,
    { replacements: [submissionId] },
  );
  return (rows as Record<string, unknown>[]).map(attemptFromRow);
}

const CLOSE_LOST_ATTEMPT = `UPDATE metrc_submission_attempts SET outcome = 'failed', error_type = 'WorkerLost', error_code = 'WORKER_LOST',
     error_message = 'The attempt stopped without recording an outcome (worker lost or timed out)', ambiguous = ?,
     finished_at = CURRENT_TIMESTAMP(3) WHERE submission_id = ? AND attempt = ? AND outcome = 'running'`;

/**
 * Opens a new attempt. Refuses (returns null) when the submission is no longer in a state
 * that may be sent: succeeded, discarded or failed-and-waiting.
 *
 * Deadlock-free by construction. Every transaction that writes a submission's attempts takes
 * the submission row's lock first (a record lock on the primary key), then touches attempt rows
 * only by their full unique key (submission_id, attempt) and only rows known to exist. A ranged
 * locking statement on metrc_submission_attempts (the old `UPDATE ... WHERE submission_id = ?
 * AND outcome = 'running'`) takes next-key/gap locks under REPEATABLE READ; with no matching
 * rows (first attempt) that gap is shared with neighbouring submissions, and two such
 * transactions then block each other's INSERT into the gap: ER_LOCK_DEADLOCK under load.
 *
 * Two round trips: the submission row locked and its running attempts read (a plain read, no gap
 * locks), then the update, the lost-attempt closes and the insert with the COMMIT.
 */
export async function startAttempt(
  writer: AtomicWriter,
  id: string,
): Promise<{ sub: SubmissionRow; attempt: number; closedLost: boolean } | null> {
  return writer.transaction(async (tx) => {
    const [rows, running] = await tx.run([
      { sql: 'SELECT * FROM metrc_submissions WHERE id = ? FOR UPDATE', values: [id] },
      { sql: `SELECT attempt FROM metrc_submission_attempts WHERE submission_id = ? AND outcome = 'running'`, values: [id] },
    ]);
    const row = rows?.[0];
    const sub = row ? submissionFromRow(row) : null;
    // parked is sendable too: a run that takes over a parked submission (its old run gone) sends it.
    if (!sub || (sub.status !== 'pending' && sub.status !== 'submitting' && sub.status !== 'parked')) return { value: null, commit: false };
    const attempt = sub.attempt_count + 1;
    return {
      // closedLost: an earlier attempt stopped without an outcome (worker lost, timed out).
      value: { sub: { ...sub, attempt_count: attempt, status: 'submitting' as const }, attempt, closedLost: (running ?? []).length > 0 },
      writes: [
        { sql: `UPDATE metrc_submissions SET attempt_count = ?, status = 'submitting', updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?`, values: [attempt, id] },
        ...(running ?? []).map((r) => ({ sql: CLOSE_LOST_ATTEMPT, values: [sub.possibly_landed ? 1 : 0, id, Number(r.attempt)] })),
        {
          sql: `INSERT INTO metrc_submission_attempts (submission_id, attempt, round, outcome, started_at) VALUES (?, ?, ?, 'running', CURRENT_TIMESTAMP(3))`,
          values: [id, attempt, sub.round],
        },
      ],
    };
  });
}

export async function markSending(sequelize: Sequelize, id: string, preImage: unknown, sentMs = Date.now()) {
  await sequelize.query(
    `UPDATE metrc_submissions SET possibly_landed = 1, first_sent_at = COALESCE(first_sent_at, CURRENT_TIMESTAMP(3)),
       last_sent_ms = ?, pre_image = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?`,
    { replacements: [sentMs, preImage === undefined ? null : JSON.stringify(preImage), id] },
  );
}

/**
 * A write's outcome was lost. The settle window restarts now (the write left at or before this
 * moment, so counting from here is never too short) and the submission is marked for the sweep.
 */
export async function markAmbiguous(sequelize: Sequelize, id: string, atMs = Date.now()) {
  await sequelize.query(
    `UPDATE metrc_submissions SET had_ambiguous = 1, last_sent_ms = GREATEST(COALESCE(last_sent_ms, 0), ?),
       updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?`,
    { replacements: [atMs, id] },
  );
}

/** An attempt found possibly_landed set (a lost answer or a lost worker): the sweep must look later. */
export async function markHadAmbiguous(sequelize: Sequelize, id: string) {
  await sequelize.query('UPDATE metrc_submissions SET had_ambiguous = 1, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND had_ambiguous = 0', {
    replacements: [id],
  });
}

export async function clearPossiblyLanded(sequelize: Sequelize, id: string) {
  await sequelize.query('UPDATE metrc_submissions SET possibly_landed = 0, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?', {
    replacements: [id],
  });
}

export async function recordSuccess(writer: AtomicWriter, id: string, attempt: number, ids: number[], reconciled: boolean, rateLimitWaits: number) {
  // Submission row first, then the attempt row (the lock order of startAttempt).
  await writer.write([
    {
      sql: `UPDATE metrc_submissions SET status = 'succeeded', metrc_ids = ?, reconciled = ?, possibly_landed = 0,
         failure_reason = NULL, succeeded_at = CURRENT_TIMESTAMP(3), updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?`,
      values: [JSON.stringify(ids), reconciled ? 1 : 0, id],
    },
    {
      sql: `UPDATE metrc_submission_attempts SET outcome = ?, metrc_ids = ?, rate_limit_waits = ?, finished_at = CURRENT_TIMESTAMP(3)
        WHERE submission_id = ? AND attempt = ?`,
      values: [reconciled ? 'reconciled' : 'succeeded', JSON.stringify(ids), rateLimitWaits, id, attempt],
    },
  ]);
}

export async function recordAttemptFailure(sequelize: Sequelize, id: string, attempt: number, e: AttemptError, rateLimitWaits: number) {
  // Submission row first, then the attempt row: the same lock order as startAttempt and
  // recordSuccess, so a late failure report can never deadlock with the next attempt starting.
  await sequelize.transaction(async (transaction) => {
    await sequelize.query(
      'UPDATE metrc_submissions SET last_error_code = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?',
      { replacements: [e.code, id], transaction },
    );
    await sequelize.query(
      `UPDATE metrc_submission_attempts SET outcome = 'failed', error_type = ?, error_code = ?, error_message = ?, http_status = ?,
         ambiguous = ?, row_messages = ?, rate_limit_waits = ?, finished_at = CURRENT_TIMESTAMP(3)
        WHERE submission_id = ? AND attempt = ?`,
      {
        replacements: [e.type, e.code, e.message.slice(0, 2000), e.status ?? null, e.ambiguous ? 1 : 0,
          JSON.stringify(e.rowMessages ?? []), rateLimitWaits, id, attempt],
        transaction,
      },
    );
  });
}

/** submitting → parked while the license's key is refused; the reason says so. */
export async function markParked(sequelize: Sequelize, id: string, reason: string): Promise<boolean> {
  const [, meta] = await sequelize.query(
    `UPDATE metrc_submissions SET status = 'parked', failure_reason = ?, updated_at = CURRENT_TIMESTAMP(3)
      WHERE id = ? AND status IN ('pending', 'submitting', 'parked')`,
    { replacements: [reason.slice(0, 2000), id] },
  );
  return ((meta as { affectedRows?: number })?.affectedRows ?? 0) > 0;
}

/** parked → pending once the key works; false when it was discarded meanwhile. */
export async function unpark(sequelize: Sequelize, id: string): Promise<boolean> {
  const [, meta] = await sequelize.query(
    `UPDATE metrc_submissions SET status = 'pending', failure_reason = NULL, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status = 'parked'`,
    { replacements: [id] },
  );
  return ((meta as { affectedRows?: number })?.affectedRows ?? 0) > 0;
}

/** pending|submitting|parked → failed; the caller writes the dead letter in the same transaction. */
export async function markFailed(sequelize: Sequelize, id: string, reason: string, transaction: Transaction): Promise<boolean> {
  const [, meta] = await sequelize.query(
    `UPDATE metrc_submissions SET status = 'failed', failure_reason = ?, failed_at = CURRENT_TIMESTAMP(3),
       updated_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status IN ('pending', 'submitting', 'parked')`,
    { replacements: [reason.slice(0, 2000), id], transaction },
  );
  return ((meta as { affectedRows?: number })?.affectedRows ?? 0) > 0;
}

/**
 * failed → pending for a new round, optionally with a corrected payload (already validated).
 * Returns false when the submission was not failed (someone else retried or discarded it).
 */
export async function claimForRetry(
  sequelize: Sequelize,
  id: string,
  payload: Record<string, unknown> | undefined,
  newNaturalKey: string | undefined,
  transaction?: Transaction,
): Promise<boolean> {
  const sets = [`status = 'pending'`, 'round = round + 1', 'failure_reason = NULL', 'updated_at = CURRENT_TIMESTAMP(3)'];
  const replacements: unknown[] = [];
  if (payload) {
    sets.push('payload = ?');
    replacements.push(JSON.stringify(payload));
  }
  if (newNaturalKey) {
    sets.push('natural_key = ?');
    replacements.push(newNaturalKey);
  }
  const [, meta] = await sequelize.query(`UPDATE metrc_submissions SET ${sets.join(', ')} WHERE id = ? AND status = 'failed'`, {
    replacements: [...replacements, id],
    transaction,
  });
  return ((meta as { affectedRows?: number })?.affectedRows ?? 0) > 0;
}

/** failed or parked → discarded. Returns false when it was neither. */
export async function markDiscarded(sequelize: Sequelize, id: string, reason: string, transaction?: Transaction): Promise<boolean> {
  const [, meta] = await sequelize.query(
    `UPDATE metrc_submissions SET status = 'discarded', discard_reason = ?, discarded_at = CURRENT_TIMESTAMP(3),
       updated_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status IN ('failed', 'parked')`,
    { replacements: [reason.slice(0, 2000), id], transaction },
  );
  return ((meta as { affectedRows?: number })?.affectedRows ?? 0) > 0;
}

export { naturalKey };

/** Stamped before a repair write leaves: a retry after a lost answer waits out the settle window from here. */
export async function stampSent(sequelize: Sequelize, id: string, atMs: number): Promise<void> {
  await sequelize.query('UPDATE metrc_submissions SET last_sent_ms = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?', { replacements: [atMs, id] });
}

export async function recordDuplicatesRepaired(sequelize: Sequelize, id: string, count: number, note: string, transaction: Transaction): Promise<void> {
  await sequelize.query('UPDATE metrc_submissions SET duplicates_repaired = duplicates_repaired + ?, sweep_note = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?', {
    replacements: [count, note, id],
    transaction,
  });
}

/** A retry claimed but not started (its workflow would not start): back to failed, its round given back. */
export async function revertRetryClaim(sequelize: Sequelize, id: string): Promise<void> {
  await sequelize.query(`UPDATE metrc_submissions SET status = 'failed', round = round - 1 WHERE id = ? AND status = 'pending'`, { replacements: [id] });
}

/** A submission whose workflow never started and nothing was sent: removed, so the record can be submitted again. */
export async function dropUnsentSubmission(sequelize: Sequelize, id: string): Promise<void> {
  await sequelize.query(`DELETE FROM metrc_submissions WHERE id = ? AND status = 'pending' AND attempt_count = 0`, { replacements: [id] });
}

/** One page matching `filter` (a WHERE clause built from code), failed ones first, newest first. */
export async function submissionsPage(sequelize: Sequelize, filter: { where: string; replacements: unknown[] }, limit: number, offset: number): Promise<{ rows: SubmissionRow[]; total: number }> {
  const [[countRows], [rows]] = await Promise.all([
    sequelize.query(`SELECT COUNT(*) AS n FROM metrc_submissions ${filter.where}`, { replacements: filter.replacements }),
    sequelize.query(`SELECT * FROM metrc_submissions ${filter.where} ORDER BY (status = 'failed') DESC, created_at DESC, id DESC LIMIT ? OFFSET ?`, {
      replacements: [...filter.replacements, limit, offset],
    }),
  ]);
  return { rows: (rows as Record<string, unknown>[]).map(submissionFromRow), total: Number((countRows as { n: number }[])[0]?.n ?? 0) };
}

/** Which of these ids are failed submissions. */
export async function failedAmong(sequelize: Sequelize, ids: string[]): Promise<string[]> {
  const [rows] = await sequelize.query(`SELECT id FROM metrc_submissions WHERE status = 'failed' AND id IN (?)`, { replacements: [ids.length ? ids : ['']] });
  return (rows as { id: string }[]).map((r) => r.id);
}

/** Ids matching `filter`, oldest first, at most `limit`. */
export async function submissionIdsWhere(sequelize: Sequelize, filter: { where: string; replacements: unknown[] }, limit: number): Promise<string[]> {
  const [rows] = await sequelize.query(`SELECT id FROM metrc_submissions ${filter.where} ORDER BY created_at LIMIT ?`, { replacements: [...filter.replacements, limit] });
  return (rows as { id: string }[]).map((r) => r.id);
}
