/**
 * The SQL form of the tenancy rule (api/services/tenancy.ts): a list's own conditions, then the
 * scope, each in parentheses and joined by AND, so no condition can widen the scope. Column names
 * come from code, never from input; values travel as replacements.
 */

/** A parameterised SQL condition. */
export interface SqlCondition {
  sql: string;
  replacements: unknown[];
}

/** Any of `columns` names `tenant`; undefined (no restriction) when there is no tenant. */
export function tenantCondition(tenant: string | undefined, columns: readonly string[]): SqlCondition | undefined {
  if (!tenant) return undefined;
  return { sql: columns.map((c) => `${c} = ?`).join(' OR '), replacements: columns.map(() => tenant) };
}

/** Matches no row. */
export const NO_ROWS: SqlCondition = { sql: '1 = 0', replacements: [] };

/** `WHERE (c1) AND … AND (scope)`, or '' when there is nothing to say. */
export function sqlWithinScope(scope: SqlCondition | undefined, ...conditions: Array<SqlCondition | undefined>): { where: string; replacements: unknown[] } {
  const parts = [...conditions, scope].filter((c): c is SqlCondition => c !== undefined && c.sql !== '');
  return {
    where: parts.length ? `WHERE ${parts.map((c) => `(${c.sql})`).join(' AND ')}` : '',
    replacements: parts.flatMap((c) => c.replacements),
  };
}
