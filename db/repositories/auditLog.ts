import type { Sequelize, Transaction } from 'sequelize';
import { timeOrderedId } from '../../platform/ids.js';
import { sqlWithinScope, type SqlCondition } from '../sqlScope.js';

export interface AuditRow {
  actorType: string;
  actorId: string;
  actorLabel?: string | null;
  entityId: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  /** Already sanitised JSON-able summary. */
  summary?: unknown;
  requestId?: string | null;
  ip?: string | null;
}

/**
 * The one writer of audit_log rows (API services and worker activities alike), as a statement for
 * callers that batch it with their own change. Ids are time-ordered, so rows written in the same
 * millisecond still list in the order they were written.
 */
export function auditRowStatement(row: AuditRow): { sql: string; values: unknown[] } {
  return {
    sql: `INSERT INTO audit_log (id, actor_type, actor_id, actor_label, entity_id, action, target_type, target_id, summary, request_id, ip)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    values: [
      timeOrderedId(),
      row.actorType,
      row.actorId.slice(0, 64),
      row.actorLabel?.slice(0, 254) ?? null,
      row.entityId,
      row.action.slice(0, 100),
      row.targetType ?? null,
      row.targetId ?? null,
      row.summary === undefined || row.summary === null ? null : JSON.stringify(row.summary),
      row.requestId?.slice(0, 128) ?? null,
      row.ip?.slice(0, 64) ?? null,
    ],
  };
}

export async function insertAuditRow(sequelize: Sequelize, row: AuditRow, transaction?: Transaction): Promise<void> {
  const { sql, values } = auditRowStatement(row);
  await sequelize.query(sql, { replacements: values, ...(transaction ? { transaction } : {}) });
}

/** One page of the trail, newest first, within `scope` (db/sqlScope.ts) and the caller's filters. */
export async function auditLogPage(
  sequelize: Sequelize,
  filters: SqlCondition[],
  scope: SqlCondition | undefined,
  page: { limit: number; offset: number },
): Promise<{ rows: Array<Record<string, unknown>>; total: number }> {
  const { where: clause, replacements: args } = sqlWithinScope(scope, ...filters);
  const [[countRows], [rows]] = await Promise.all([
    sequelize.query(`SELECT COUNT(*) AS n FROM audit_log ${clause}`, { replacements: args }),
    sequelize.query(
      `SELECT id, created_at, actor_type, actor_id, actor_label, entity_id, action, target_type, target_id, summary, request_id, ip
       FROM audit_log ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
      { replacements: [...args, page.limit, page.offset] },
    ),
  ]);
  return { rows: rows as Array<Record<string, unknown>>, total: Number((countRows as Array<{ n: number }>)[0]?.n ?? 0) };
}
