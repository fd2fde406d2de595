import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../../web/src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|svelte)$/.test(name) ? [p] : [];
  });
}

describe('console talks to the API only through the client typed from openapi.yaml', () => {
  it('has no untyped calls and no hand-made API URLs outside web/src/lib/api', () => {
    const offenders = files(SRC)
      .filter((f) => !f.includes(join('lib', 'api')))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${f.slice(SRC.length + 1)}:${i + 1}`, line }))
          // The events socket is not HTTP and has no spec operation; everything else goes through api.client.
          .filter(({ line }) => /\bapi\.call\b|\.call<|fetch\(\s*[`'"][^`'"]*\/api\/v1/.test(line) && !/\/api\/v1\/events/.test(line)),
      );
    expect(offenders).toEqual([]);
  });
});
