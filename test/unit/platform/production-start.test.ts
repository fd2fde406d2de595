import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// A deployer who forgets a secret sees one line naming it and a non-zero exit, not a stack trace.
describe('production start with a missing secret', () => {
  it.each(['api/main.ts', 'worker/main.ts'])('%s exits 78 with one line naming the variable', (entry) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production' };
    const run = spawnSync(process.execPath, ['--import', 'tsx', entry], { env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(78);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/refusing to start\. Invalid configuration: APP_SECRET is required/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  }, 70_000);
});
