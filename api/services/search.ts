/**
 * Turns free text into a MySQL/MariaDB boolean-mode FULLTEXT query: every word required, prefix
 * matching, operators stripped so user input can't change the query's meaning. Words shorter
 * than InnoDB's default token size (3) are not indexed, so they are dropped here too.
 */
export function booleanQuery(q: string): string | undefined {
  const words = q
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .split(/\s+/)
    .filter((w) => w.length >= 3)
    .slice(0, 8);
  return words.length ? words.map((w) => `+${w}*`).join(' ') : undefined;
}

/** LIKE pattern for a prefix search, with the wildcard characters escaped. */
export function likePrefix(q: string): string {
  return `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
