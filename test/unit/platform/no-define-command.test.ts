import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// With ioredis auto-pipelining (platform/redis.ts), a command defined while a pipeline is pending
// crashes the process (ioredis#1931); Lua goes through luaScript there instead.
describe('Redis Lua scripts', () => {
  it('no production code defines ioredis commands', () => {
    const folders = ['api', 'activities', 'db', 'domain', 'integrations', 'platform', 'scripts', 'worker', 'workflows', 'contracts'];
    const grep = spawnSync('git', ['grep', '-n', '-E', '\\.defineCommand\\(', '--', ...folders], { encoding: 'utf8' });
    expect(grep.status, grep.stderr).toBe(1); // git grep: 1 = no match, 0 = matches, 2+ = error
    expect(grep.stdout).toBe('');
  });
});
