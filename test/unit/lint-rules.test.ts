import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();
async function problems(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('workflow determinism lint', () => {
  it.each([
    ["import { readFile } from 'node:fs/promises';", 'Node built-ins'],
    ["import crypto from 'crypto';", 'Node built-ins'],
    ["import { Sequelize } from 'sequelize';", 'No I/O'],
    ["import { createActivities } from '../activities/index.js';", 'activity/db types only'],
  ])('rejects %s in workflows/', async (line, why) => {
    const found = await problems(`${line}\nexport const x = 1;\n`, 'workflows/example.ts');
    expect(found.join('\n')).toContain(why);
  });

  it('allows activity types and the workflow SDK', async () => {
    const code = "import type { Activities } from '../activities/index.js';\nimport { proxyActivities } from '@temporalio/workflow';\nexport const a = proxyActivities<Activities>({ startToCloseTimeout: '1m' });\n";
    expect(await problems(code, 'workflows/example.ts')).toEqual([]);
  });

  it('allows Node built-ins outside workflows/', async () => {
    expect(await problems("import { readFile } from 'node:fs/promises';\nexport { readFile };\n", 'activities/example.ts')).toEqual([]);
  });
});
