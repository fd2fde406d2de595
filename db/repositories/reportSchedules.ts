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
  created_at: Date;
}

const select = <T extends object>(db: Sequelize, sql: string, replacements: unknown[]): Promise<T[]> => db.query<T>(sql, { replacements, type: QueryTypes.SELECT });

export async function insertReportSchedule(db: Sequelize, r: Omit<ReportScheduleRow, 'created_at'>): Promise<void> {
  await db.query('INSERT INTO report_schedules (id, user_id, entity_id, name, request, cron, timezone) VALUES (?, ?, ?, ?, ?, ?, ?)', {
    replacements: [r.id, r.user_id, r.entity_id, r.name, r.request, r.cron, r.timezone],
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
