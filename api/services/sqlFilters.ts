/**
 * Builds a parameterised WHERE clause from optional equality filters and a created_at window —
 * the shape every raw-SQL list in the compliance area filters by. Column names are fixed by the
 * caller, never taken from input; values travel as replacements.
 */
export function sqlFilters(
  equals: Record<string, unknown>,
  window: { from?: string; to?: string } = {},
): { where: string; replacements: unknown[] } {
  const parts: string[] = [];
  const replacements: unknown[] = [];
  for (const [column, value] of Object.entries(equals)) {
    if (value === undefined || value === null || value === '') continue;
    parts.push(`${column} = ?`);
    replacements.push(value);
  }
  if (window.from) {
    parts.push('created_at >= ?');
    replacements.push(new Date(window.from));
  }
  if (window.to) {
    parts.push('created_at < ?');
    replacements.push(new Date(window.to));
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', replacements };
}
