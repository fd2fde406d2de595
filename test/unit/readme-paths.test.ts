/**
 * Every repo path the README names (in backticks or as a link target) exists, so the layout table
 * and the prose cannot drift from the tree again after a move. Names relative to a row's folder
 * (`lib/`, `tx.ts`) are not checked; only words starting with a top-level folder of this repo.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

const TOP =
  /^(api|db|activities|workflows|contracts|domain|platform|worker|web|sandboxes|integrations|scripts|drills|bench|test|docs|docker|openapi|examples|\.ci)\//;
// Placeholders and globs name no one file: `db/repositories/<area>.ts`, `bench:*`, `…`.
const PLACEHOLDER = /[<>*{}$…]/;
// Files the README tells the reader to create; git-ignored, so absent from a checkout.
const CREATED_LOCALLY = new Set(['docker/.env', 'docker/.env.app']);

function namedPaths(text: string): string[] {
  const spans = [
    ...[...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!),
    ...[...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!),
  ];
  const paths = spans
    .flatMap((span) => span.split(/\s+/))
    .map((word) => word.replace(/[#:?].*$/, '').replace(/[),.;]+$/, ''))
    .filter((word) => TOP.test(word) && !PLACEHOLDER.test(word) && !CREATED_LOCALLY.has(word));
  return [...new Set(paths)].sort();
}

describe('README paths', () => {
  const paths = namedPaths(readme);

  it('finds the layout table and prose paths', () => {
    // A regex that silently matched nothing would make the check below vacuous.
    expect(paths.length).toBeGreaterThan(40);
    expect(paths).toContain('web/src/lib/pages/');
    expect(paths).toContain('db/tx.ts');
  });

  it('names only paths that exist in the tree', () => {
    expect(paths.filter((p) => !existsSync(join(root, p)))).toEqual([]);
  });

  it('ignores placeholders, globs and link anchors', () => {
    expect(namedPaths('`db/repositories/<area>.ts` `bench/*.ts` [x](docs/realtime.md#frames) `api/app.ts:12`')).toEqual(
      ['docs/realtime.md', 'api/app.ts'].sort(),
    );
  });
});
