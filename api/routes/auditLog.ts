import { Router } from 'express';
import type { Sequelize } from 'sequelize';
import { listParams, requirePermission } from '../http/request.js';
import { sqlScope, sqlWithinScope, type SqlCondition } from '../services/tenancy.js';

const FILTERS = ['actor_id', 'action', 'target_type', 'target_id', 'entity_id'] as const;

/** `scope` confines the trail to a tenant's rows (services/tenancy.ts); only admins read it today. */
export async function listAuditLog(sequelize: Sequelize, params: Record<string, unknown> & { page: number; limit: number }, scope?: SqlCondition) {
  const filters: SqlCondition[] = [];
  for (const f of FILTERS) if (params[f] !== undefined) filters.push({ sql: `${f} = ?`, replacements: [params[f]] });
  if (params.from !== undefined) filters.push({ sql: 'created_at >= ?', replacements: [new Date(String(params.from))] });
  if (params.to !== undefined) filters.push({ sql: 'created_at <= ?', replacements: [new Date(String(params.to))] });
  const { where: clause, replacements: args } = sqlWithinScope(scope, ...filters);
  const [[countRows], [rows]] = await Promise.all([
    sequelize.query(`SELECT COUNT(*) AS n FROM audit_log ${clause}`, { replacements: args }),
    sequelize.query(
      `SELECT id, created_at, actor_type, actor_id, actor_label, entity_id, action, target_type, target_id, summary, request_id, ip
       FROM audit_log ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
      { replacements: [...args, params.limit, (params.page - 1) * params.limit] },
    ),
  ]);
  const total = Number((countRows as Array<{ n: number }>)[0]?.n ?? 0);
  return {
    data: (rows as Array<Record<string, unknown>>).map((r) => ({
      ...r,
      created_at: new Date(r.created_at as string).toISOString(),
      summary: typeof r.summary === 'string' ? JSON.parse(r.summary) : (r.summary ?? null),
    })),
    pagination: { page: params.page, limit: params.limit, total, total_pages: Math.ceil(total / params.limit) },
  };
}

/** The audit trail for platform admins (access is decided by the policy, permission audit:read). */
export function auditLogRoutes(sequelize: Sequelize): Router {
  const router = Router();
  router.get('/audit-log', async (req, res) => {
    const actor = requirePermission(req, 'audit:read');
    res.json(await listAuditLog(sequelize, listParams(req), sqlScope(actor, ['entity_id'])));
  });
  return router;
}
