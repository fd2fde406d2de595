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

describe('SQL stays in db/ (trellis/sql-only-in-db)', () => {
  it.each([
    ["export const q = 'SELECT id FROM orders WHERE id = ?';", 'api/services/example.ts'],
    ['export const q = `UPDATE orders SET status = ? WHERE id = ${1}`;', 'activities/example.ts'],
    ["export const q = 'INSERT INTO audit_log (id) VALUES (?)';", 'api/middleware/example.ts'],
    ["export const q = 'DELETE FROM idempotency_keys WHERE id = ?';", 'worker/example.ts'],
  ])('rejects SQL text outside db/: %s', async (code, file) => {
    expect((await problems(`${code}\n`, file)).join('\n')).toContain('trellis/sql-only-in-db');
  });

  it('rejects a .query() call outside db/', async () => {
    const code = 'export async function f(db: { query(s: string): Promise<unknown> }, s: string) {\n  return db.query(s);\n}\n';
    expect((await problems(code, 'api/services/example.ts')).join('\n')).toContain('Database queries belong in db/');
  });

  it('allows SQL and queries in db/ and prose that only mentions the words', async () => {
    const sql = "export const f = async (db: { query(s: string): Promise<unknown> }) => db.query('SELECT id FROM orders');\n";
    expect(await problems(sql, 'db/repositories/example.ts')).toEqual([]);
    expect(await problems("export const m = 'Select a variant from the list, then update the set';\n", 'api/services/example.ts')).toEqual([]);
  });

  it('exempts no file: the ones that carried SQL before it moved to db/ are linted like any other, and pass', async () => {
    const formerlyExempt = [
      'activities/alertNotifications.ts',
      'activities/digestDelivery.ts',
      'activities/inAppNotifications.ts',
      'activities/notifications.ts',
      'activities/orderNotifications.ts',
      'activities/smsDelivery.ts',
      'scripts/adopt-orders.ts',
      'scripts/create-admin.ts',
      'scripts/seed.ts',
    ];
    for (const file of formerlyExempt) {
      const config = (await eslint.calculateConfigForFile(file)) as { rules?: Record<string, unknown> };
      expect({ file, rule: config.rules?.['trellis/sql-only-in-db'] }).toEqual({ file, rule: [2] });
    }
    const results = await eslint.lintFiles(formerlyExempt);
    expect(results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'trellis/sql-only-in-db').map((m) => `${r.filePath}:${m.line}`))).toEqual([]);
  });
});
