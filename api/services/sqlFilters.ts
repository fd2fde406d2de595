import { sqlWithinScope, type SqlCondition } from './tenancy.js';

/**
 * Builds a parameterised WHERE clause from optional equality filters and a created_at window —
 * the shape every raw-SQL list in the compliance area filters by — with the caller's scope ANDed
 * last (services/tenancy.ts). Column names are fixed by the caller, never taken from input;
 * values travel as replacements.
 */
export function sqlFilters(
  equals: Record<string, unknown>,
  window: { from?: string; to?: string } = {},
  scope?: SqlCondition,
): { where: string; replacements: unknown[] } {
  const parts: SqlCondition[] = [];
  for (const [column, value] of Object.entries(equals)) {
    if (value === undefined || value === null || value === '') continue;
    parts.push({ sql: `${column} = ?`, replacements: [value] });
  }
  if (window.from) parts.push({ sql: 'created_at >= ?', replacements: [new Date(window.from)] });
  if (window.to) parts.push({ sql: 'created_at < ?', replacements: [new Date(window.to)] });
  return sqlWithinScope(scope, ...parts);
}
