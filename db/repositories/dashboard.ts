/**
 * Figures for the console's dashboard beyond plain order counts: orders per day split by status,
 * the time from placing to completion, METRC outcomes per licence. Scopes come from the caller
 * (api/services/tenancy.ts) as SQL conditions; staff-only figures are asked for by staff only.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { sqlWithinScope, type SqlCondition } from '../sqlScope.js';

export async function ordersPerDayByStatus(sequelize: Sequelize, scope: SqlCondition | undefined, since: Date) {
  const w = sqlWithinScope(scope, { sql: 'created_at >= ?', replacements: [since] });
  return sequelize.query<{ day: string; status: string; n: number | string }>(
    `SELECT DATE_FORMAT(created_at, '%Y-%m-%d') AS day, status, COUNT(*) AS n FROM orders ${w.where} GROUP BY day, status ORDER BY day`,
    { replacements: w.replacements, type: QueryTypes.SELECT },
  );
}

/** Placed → completed (or delivered) for orders that got there since `since`: average and count. */
export async function fulfilmentMinutes(sequelize: Sequelize, scope: SqlCondition | undefined, since: Date) {
  const w = sqlWithinScope(scope, { sql: "status IN ('completed', 'delivered') AND updated_at >= ?", replacements: [since] });
  const [row] = await sequelize.query<{ avg_minutes: number | string | null; n: number | string }>(
    `SELECT AVG(TIMESTAMPDIFF(MINUTE, created_at, updated_at)) AS avg_minutes, COUNT(*) AS n FROM orders ${w.where}`,
    { replacements: w.replacements, type: QueryTypes.SELECT },
  );
  return { avgMinutes: row?.avg_minutes == null ? null : Number(row.avg_minutes), count: Number(row?.n ?? 0) };
}

/** Staff only: submissions settled since `since` by outcome, and open failures per licence with its holder's name. */
export async function metrcOutcomes(sequelize: Sequelize, since: Date) {
  const [settled, open] = await Promise.all([
    sequelize.query<{ status: string; n: number | string }>(
      `SELECT status, COUNT(*) AS n FROM metrc_submissions WHERE status IN ('succeeded', 'failed') AND updated_at >= ? GROUP BY status`,
      { replacements: [since], type: QueryTypes.SELECT },
    ),
    sequelize.query<{ license_number: string; n: number | string; name: string | null }>(
      `SELECT f.license_number, f.n,
              COALESCE((SELECT e.name FROM entities e WHERE e.license_number = f.license_number LIMIT 1),
                       (SELECT e.name FROM locations l JOIN entities e ON e.id = l.entity_id WHERE l.license_number = f.license_number LIMIT 1)) AS name
         FROM (SELECT license_number, COUNT(*) AS n FROM metrc_submissions WHERE status = 'failed' GROUP BY license_number) f
        ORDER BY f.n DESC, f.license_number LIMIT 20`,
      { type: QueryTypes.SELECT },
    ),
  ]);
  const count = (s: string) => Number(settled.find((r) => r.status === s)?.n ?? 0);
  return {
    succeeded: count('succeeded'),
    failed: count('failed'),
    openFailures: open.map((r) => ({ license_number: r.license_number, name: r.name, failed: Number(r.n) })),
  };
}

/** Orders per status, within the caller's scope. */
export async function ordersByStatus(sequelize: Sequelize, scope: SqlCondition | undefined) {
  const w = sqlWithinScope(scope);
  return sequelize.query<{ status: string; n: number | string }>(`SELECT status, COUNT(*) AS n FROM orders ${w.where} GROUP BY status`, {
    replacements: w.replacements,
    type: QueryTypes.SELECT,
  });
}

/** Orders placed per UTC day since `since`, within the caller's scope. */
export async function ordersPerDay(sequelize: Sequelize, scope: SqlCondition | undefined, since: Date) {
  const w = sqlWithinScope(scope, { sql: 'created_at >= ?', replacements: [since] });
  return sequelize.query<{ day: string; n: number | string }>(
    `SELECT DATE_FORMAT(created_at, '%Y-%m-%d') AS day, COUNT(*) AS n FROM orders ${w.where} GROUP BY day ORDER BY day`,
    { replacements: w.replacements, type: QueryTypes.SELECT },
  );
}
