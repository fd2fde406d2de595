/**
 * Issue 13 item 9: `npm start` seeded the published demo users even with NODE_ENV=production.
 * Production refuses every seed entry point with a clear message and writes nothing. Runs on a
 * scratch database (migrated, empty) so "nothing written" is a plain count.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSequelize, dropDatabase } from '../../../db/connection.js';
import { DemoSeedRefused } from '../../../db/seed/guard.js';
import { migrateUp } from '../../../scripts/migrate.js';
import { seedIfEmpty } from '../../../scripts/seed.js';

const run = promisify(execFile);
const scratch = (() => {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = `${u.pathname}_prodseed`;
  return u.toString();
})();

describe('security: production never seeds demo users or data', () => {
  const sequelize = createSequelize(scratch, 2);
  const count = async (table: string) => {
    const [rows] = await sequelize.query(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number((rows as Array<{ n: number }>)[0]!.n);
  };

  beforeAll(async () => {
    await dropDatabase(scratch);
    await migrateUp(scratch, true);
  });
  afterAll(async () => {
    await sequelize.close();
    await dropDatabase(scratch);
  });

  it('seedIfEmpty refuses in production, before touching the database', async () => {
    await expect(seedIfEmpty(scratch, {}, 'production')).rejects.toThrow(DemoSeedRefused);
    await expect(seedIfEmpty(scratch, {}, 'production')).rejects.toThrow(/NODE_ENV=production.*published passwords/);
    expect(await count('users')).toBe(0);
    expect(await count('entities')).toBe(0);
  });

  it('the seed script run with NODE_ENV=production exits 1 with the message and writes nothing', async () => {
    const env = { ...process.env, NODE_ENV: 'production', APP_SECRET: '3f9a1c7e5b2d8046af13c9e7d5b20486f1a3c5e7b9d02468', METRC_BASE_URL: 'https://api-co.metrc.com', DATABASE_URL: scratch };
    const err = (await run('node_modules/.bin/tsx', ['scripts/seed.ts'], { env }).then(
      () => undefined,
      (e: unknown) => e,
    )) as { code?: number; stderr?: string } | undefined;
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/Refusing to load demo data with NODE_ENV=production/);
    expect(await count('users')).toBe(0);
    expect(await count('entities')).toBe(0);
  });
});
