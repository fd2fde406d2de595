import { Router } from 'express';
import type { Sequelize } from 'sequelize';
import { listParams, requirePermission } from '../http/request.js';
import { sqlScope, type SqlCondition } from '../services/tenancy.js';
import { auditLogPage } from '../../db/repositories/auditLog.js';

const FILTERS = ['actor_id', 'action', 'target_type', 'target_id', 'entity_id'] as const;

/** `scope` confines the trail to a tenant's rows (services/tenancy.ts); only admins read it today. */
export async function listAuditLog(sequelize: Sequelize, params: Record<string, unknown> & { page: number; limit: number }, scope?: SqlCondition) {
  const filters: SqlCondition[] = [];
  for (const f of FILTERS) if (params[f] !== undefined) filters.push({ sql: `${f} = ?`, replacements: [params[f]] });
  if (params.from !== undefined) filters.push({ sql: 'created_at >= ?', replacements: [new Date(String(params.from))] });
  if (params.to !== undefined) filters.push({ sql: 'created_at <= ?', replacements: [new Date(String(params.to))] });
  const { rows, total } = await auditLogPage(sequelize, filters, scope, { limit: params.limit, offset: (params.page - 1) * params.limit });
  return {
    data: rows.map((r) => ({
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
