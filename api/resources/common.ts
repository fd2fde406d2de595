import { Op, type WhereOptions } from 'sequelize';
import { tenantOf, type Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import type { ModelName, Row } from '../../db/models.js';
import type { ResourceContext } from './spec.js';

/** Scope to the actor's tenant via `column`, or no restriction for platform staff. */
export const ownedBy =
  (column: string) =>
  (actor: Actor): WhereOptions | undefined => {
    const t = tenantOf(actor);
    return t ? { [column]: t } : undefined;
  };

export const everyone = (): WhereOptions | undefined => undefined;

export const eitherParty = (actor: Actor): WhereOptions | undefined => {
  const t = tenantOf(actor);
  return t ? { [Op.or]: [{ retailer_id: t }, { wholesaler_id: t }] } : undefined;
};

/**
 * Loads a referenced row for a write, or answers 422 naming the field. With `ownerColumn`, the
 * row must also belong to the actor's tenant (a tenant cannot hang things off another tenant).
 */
export async function requireRef(
  ctx: ResourceContext,
  model: ModelName,
  id: unknown,
  field: string,
  ownerColumn?: string,
): Promise<Row> {
  const tenant = tenantOf(ctx.actor);
  const where: Record<string, unknown> = { id };
  if (ownerColumn && tenant) where[ownerColumn] = tenant;
  const row = await ctx.models[model].findOne({ where, transaction: ctx.transaction, raw: true });
  if (!row) {
    throw new AppError('UNPROCESSABLE_ENTITY', `${field} does not name an existing ${model.toLowerCase()} you may use`, {
      field,
      issue: 'not found',
    });
  }
  return row as unknown as Row;
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
