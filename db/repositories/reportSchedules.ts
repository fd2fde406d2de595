/**
 * Scheduled reports (issue 17): one row per schedule, owned by a user. Readers pass the owner
 * (`null` for platform staff, who see every schedule), so a user reaches only its own.
 */
import { QueryTypes, type Sequelize } from 'sequelize';

export interface ReportScheduleRow {
  id: string;
  user_id: string;
  entity_id: string | null;
  name: string;
  request: string;
  cron: string;
  timezone: string;
  /** 0/1 as MariaDB returns a TINYINT(1). */
  paused: number | boolean;
  delivery: 'link' | 'attachment';
  created_at: Date;
}

const select = <T extends object>(db: Sequelize, sql: string, replacements: unknown[]): Promise<T[]> => db.query<T>(sql, { replacements, type: QueryTypes.SELECT });

export async function insertReportSchedule(db: Sequelize, r: Omit<ReportScheduleRow, 'created_at' | 'paused' | 'delivery'> & { delivery?: ReportScheduleRow['delivery'] }): Promise<void> {
  await db.query('INSERT INTO report_schedules (id, user_id, entity_id, name, request, cron, timezone, delivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', {
    replacements: [r.id, r.user_id, r.entity_id, r.name, r.request, r.cron, r.timezone, r.delivery ?? 'link'],
  });
}

export type ReportScheduleChange = Partial<{ name: string; cron: string; timezone: string; paused: boolean; delivery: ReportScheduleRow['delivery'] }>;

/** Changes the given columns of one schedule; the caller has found it within its owner's reach. */
export async function updateReportSchedule(db: Sequelize, id: string, change: ReportScheduleChange): Promise<void> {
  const columns = (['name', 'cron', 'timezone', 'paused', 'delivery'] as const).filter((c) => change[c] !== undefined);
  if (!columns.length) return;
  await db.query(`UPDATE report_schedules SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`, {
    replacements: [...columns.map((c) => (c === 'paused' ? (change.paused ? 1 : 0) : change[c])), id],
  });
}

/** `owner` null: any schedule (staff, and the scheduled run acting for the system). */
export async function findReportSchedule(db: Sequelize, id: string, owner: string | null): Promise<ReportScheduleRow | undefined> {
  const [row] = await select<ReportScheduleRow>(db, `SELECT * FROM report_schedules WHERE id = ?${owner === null ? '' : ' AND user_id = ?'}`, owner === null ? [id] : [id, owner]);
  return row;
}

export async function listReportSchedules(db: Sequelize, owner: string | null, page: { limit: number; offset: number }): Promise<{ rows: ReportScheduleRow[]; total: number }> {
  const where = owner === null ? '' : 'WHERE user_id = ?';
  const args = owner === null ? [] : [owner];
  const [rows, [count]] = await Promise.all([
    select<ReportScheduleRow>(db, `SELECT * FROM report_schedules ${where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, [...args, page.limit, page.offset]),
    select<{ total: number }>(db, `SELECT COUNT(*) AS total FROM report_schedules ${where}`, args),
  ]);
  return { rows, total: Number(count?.total ?? 0) };
}

export async function deleteReportSchedule(db: Sequelize, id: string): Promise<void> {
  await db.query('DELETE FROM report_schedules WHERE id = ?', { replacements: [id] });
}
