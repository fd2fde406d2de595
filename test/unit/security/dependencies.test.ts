import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every installed copy of a package with a published advisory is at or above the fixed version
 * (docs/security-advisories.md). Reads node_modules itself rather than `npm ls`, so a nested copy
 * that an override missed is caught too.
 */
const root = join(import.meta.dirname, '../../..');

const minimums: Record<string, string> = {
  'shell-quote': '1.11.0', // GHSA-w7jw-789q-3m8p, GHSA-395f-4hp3-45gv, GHSA-pqg4-j6r4-53mv
  mysql2: '3.25.0', // CVE-2026-139877 (SQL injection under NO_BACKSLASH_ESCAPES)
  uuid: '11.1.1', // GHSA-w5hq-g745-h8pq
  cookie: '0.7.0', // GHSA-pxg6-pf52-xh8x (SvelteKit dev server)
};

function compare(a: string, b: string): number {
  const pa = a.split(/[.+-]/).slice(0, 3).map(Number);
  const pb = b.split(/[.+-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** Every `node_modules/<name>/package.json` below `dir`, nested copies included. */
function installedCopies(dir: string, name: string, found: { path: string; version: string }[] = []) {
  const modules = join(dir, 'node_modules');
  if (!existsSync(modules)) return found;
  const candidate = join(modules, name, 'package.json');
  if (existsSync(candidate)) {
    found.push({ path: candidate, version: JSON.parse(readFileSync(candidate, 'utf8')).version as string });
  }
  for (const entry of readdirSync(modules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    if (entry.name.startsWith('@')) {
      for (const scoped of readdirSync(join(modules, entry.name), { withFileTypes: true })) {
        if (scoped.isDirectory()) installedCopies(join(modules, entry.name, scoped.name), name, found);
      }
    } else {
      installedCopies(join(modules, entry.name), name, found);
    }
  }
  return found;
}

describe('dependency minimums (advisory review)', () => {
  it.each(Object.entries(minimums))('every installed %s is at least %s', (name, minimum) => {
    const copies = [...installedCopies(root, name), ...installedCopies(join(root, 'web'), name)];
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      expect({ path: copy.path, ok: compare(copy.version, minimum) >= 0 }).toEqual({ path: copy.path, ok: true });
    }
  });

  it('pins the fixed versions exactly in package.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.dependencies.mysql2).toBe('3.25.0');
    expect(pkg.overrides).toMatchObject({
      concurrently: { 'shell-quote': '1.12.0' },
      sequelize: { uuid: '11.1.1' },
      '@sveltejs/kit': { cookie: '0.7.2' },
    });
  });

  it('sequelize still generates v1 and v4 UUIDs with the overridden uuid', async () => {
    const { DataTypes } = await import('sequelize');
    const utils = (await import('sequelize/lib/utils')) as unknown as { toDefaultValue(v: unknown): string };
    expect(utils.toDefaultValue(new DataTypes.UUIDV1())).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-/);
    expect(utils.toDefaultValue(new DataTypes.UUIDV4())).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
  });
});
