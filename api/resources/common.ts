import { tenantOf } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import type { ModelName, Row } from '../../db/models.js';
import { requireInScope, type ScopeOf } from '../services/tenancy.js';
import type { ResourceContext } from './spec.js';

export { eitherParty, everyone, ownedBy } from '../services/tenancy.js';

/**
 * Loads a row a write refers to, or answers 422 naming the field. With `scope`, the row must also
 * be one the actor may hang things off (its own); the check goes through the shared tenancy
 * helper, so the id condition and the tenant condition are ANDed, never merged.
 */
export async function requireRef(ctx: ResourceContext, model: ModelName, id: unknown, field: string, scope?: ScopeOf): Promise<Row> {
  return requireInScope({ model, id, field, scope: scope?.(ctx.actor) }, ctx);
}

export function forbidTenantCreate(ctx: ResourceContext, what: string): void {
  if (tenantOf(ctx.actor)) throw new AppError('FORBIDDEN', `Only platform staff may create ${what}`);
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v);

/** Picks API fields from a row, serialising timestamps as ISO strings. */
export function pick(row: Row, fields: readonly string[]): Row {
  const out: Row = {};
  for (const f of fields) out[f] = iso(row[f] ?? null);
  return out;
}

/** A conflict naming what still depends on the row (no silent cascades). */
export async function refuseIfReferenced(
  ctx: ResourceContext,
  checks: Array<{ model: ModelName; column: string; what: string }>,
  id: unknown,
): Promise<void> {
  const used: Record<string, number> = {};
  for (const c of checks) {
    const n = await ctx.models[c.model].count({ where: { [c.column]: id }, transaction: ctx.transaction });
    if (n > 0) used[c.what] = n;
  }
  if (Object.keys(used).length) {
    throw new AppError('CONFLICT', `Still referenced by ${Object.keys(used).join(', ')}; remove those first`, {
      field: 'id',
      issue: `still referenced by ${Object.keys(used).join(', ')}`,
      referenced_by: used,
    });
  }
}
