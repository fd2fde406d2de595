/**
 * Tenancy in one place. An entity-scoped caller (entity users, partner keys) is confined to its
 * tenant; platform staff and the system have no scope (domain/actor.ts tenantOf). Two rules hold
 * whatever a request says:
 *
 * - Reads: a list or get combines the query's own conditions and the scope as separate operands
 *   of AND, the scope last. Filters are never merged into the scope's object (where a filter key
 *   like `entity_id` would replace the tenant condition), so a filter can only narrow.
 * - Writes: every id a create or update body names is looked up through the caller's scope for
 *   that kind of row. Another tenant's id reads exactly like an id that does not exist, and the
 *   request is refused before anything is written.
 */
import { Op, type Transaction, type WhereOptions } from 'sequelize';
import { tenantOf, type Actor } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { ModelName, Models, Row } from '../../db/models.js';
import { NO_ROWS, sqlWithinScope, tenantCondition, type SqlCondition } from '../../db/sqlScope.js';

/** A WHERE condition confining rows to a caller; undefined means "no restriction" (staff). */
export type Scope = WhereOptions | undefined;
export type ScopeOf = (actor: Actor) => Scope;

/** Rows whose `column` names the caller's tenant. */
export const ownedBy =
  (column: string): ScopeOf =>
  (actor) => {
    const t = tenantOf(actor);
    return t ? { [column]: t } : undefined;
  };

/** Public record among signed-in parties (the directory, catalogs). */
export const everyone: ScopeOf = () => undefined;

/** Orders: the buyer and the seller both see them. */
export const eitherParty: ScopeOf = (actor) => {
  const t = tenantOf(actor);
  return t ? { [Op.or]: [{ retailer_id: t }, { wholesaler_id: t }] } : undefined;
};

/**
 * The WHERE of a list or get: every condition, then the scope, as operands of one Op.and.
 */
export function withinScope(scope: Scope, ...conditions: Array<WhereOptions | undefined>): WhereOptions {
  const parts = [...conditions, scope].filter((p): p is WhereOptions => p !== undefined && !isEmpty(p));
  if (parts.length === 0) return {};
  return parts.length === 1 ? parts[0]! : { [Op.and]: parts };
}

const isEmpty = (w: WhereOptions): boolean =>
  typeof w === 'object' && w !== null && Object.keys(w).length === 0 && Object.getOwnPropertySymbols(w).length === 0;

/** The tenant condition in SQL: any of `columns` names the tenant. Undefined for staff. */
export const sqlScope = (actor: Actor, columns: readonly string[]): SqlCondition | undefined => tenantCondition(tenantOf(actor), columns);

/**
 * For tables that hold no tenant's rows (staff-only areas): nothing for a tenant, everything for
 * staff. The handlers refuse tenants first; this keeps the query closed should one get through.
 */
export const sqlStaffOnly = (actor: Actor): SqlCondition | undefined => (tenantOf(actor) ? NO_ROWS : undefined);

export { sqlWithinScope, type SqlCondition };

export interface Reference {
  model: ModelName;
  id: unknown;
  /** The body field naming it, for the error (e.g. `entity_id`, `items[0].variant_id`). */
  field: string;
  /** The rows the caller may reference through this field (its own, or public ones). */
  scope: Scope;
  /** How a miss is answered: 422 naming the field (default), or 404 like a read would. */
  missing?: 'unprocessable' | 'not_found';
}

/**
 * Loads a row a write refers to, through the caller's scope; answers 422 (or 404) otherwise, so a
 * foreign id and a made-up one look the same.
 */
export async function requireInScope(ref: Reference, ctx: { models: Models; transaction?: Transaction }): Promise<Row> {
  const row = typeof ref.id === 'string'
    ? await ctx.models[ref.model].findOne({ where: withinScope(ref.scope, { id: ref.id }), ...(ctx.transaction ? { transaction: ctx.transaction } : {}), raw: true })
    : null;
  if (row) return row as unknown as Row;
  const label = ref.model.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  if (ref.missing === 'not_found') throw notFound(label[0]!.toUpperCase() + label.slice(1), String(ref.id));
  throw new AppError('UNPROCESSABLE_ENTITY', `${ref.field} does not name an existing ${label} you may use`, { field: ref.field, issue: 'not found' });
}

/**
 * The same refusal for a body field that must name the caller's own entity, when the row is read
 * anyway by a query the caller batches (order intake reads all its references in one round trip).
 */
export function requireOwnEntity(actor: Actor, id: unknown, field: string): void {
  const t = tenantOf(actor);
  if (t && id !== t) throw new AppError('UNPROCESSABLE_ENTITY', `${field} does not name an existing entity you may use`, { field, issue: 'not found' });
}
