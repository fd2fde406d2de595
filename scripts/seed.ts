/**
 * Demo data for `npm start`: loaded once, into an empty database only. "Empty" means no entities
 * (nothing a person or a partner could have created), so a database anyone has used is never
 * touched. Run by hand with `tsx scripts/seed.ts`.
 */
import type { Sequelize } from 'sequelize';
import { createSequelize } from '../db/connection.js';
import { buildDemoData, demoAnchor, demoCounts, type DemoOptions } from '../db/seed/build.js';
import { loadDemoData } from '../db/seed/load.js';
import { assertDemoSeedAllowed, databaseIsEmpty } from '../db/seed/guard.js';
import { config, type Config } from '../platform/config.js';

// Written by the identity work; optional so the catalog seed runs before and after it lands.
const USERS_MODULE = '../db/seed/users.js';

async function seedUsers(sequelize: Sequelize): Promise<string | undefined> {
  let mod: { seedDemoUsers?: (s: Sequelize) => Promise<unknown> };
  try {
    mod = (await import(USERS_MODULE)) as typeof mod;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('users')) return undefined;
    throw err;
  }
  if (typeof mod.seedDemoUsers !== 'function') return undefined;
  const result = await mod.seedDemoUsers(sequelize);
  return typeof result === 'string' ? result : typeof result === 'number' ? `${result} users` : 'demo users';
}

/**
 * Loads the demo data when the database is empty; answers a summary, or undefined when skipped.
 * Throws DemoSeedRefused in production before connecting (db/seed/guard.ts).
 */
export async function seedIfEmpty(databaseUrl: string, options: DemoOptions = {}, nodeEnv: Config['nodeEnv'] = config().nodeEnv): Promise<string | undefined> {
  assertDemoSeedAllowed(nodeEnv);
  const sequelize = createSequelize(databaseUrl, 2);
  try {
    if (!(await databaseIsEmpty(sequelize))) return undefined;
    const started = Date.now();
    const data = buildDemoData(options);
    await loadDemoData(sequelize, data, undefined, { anchor: demoAnchor(options.today) });
    const users = await seedUsers(sequelize);
    const counts = Object.entries(demoCounts(data)).map(([k, n]) => `${n} ${k}`);
    return `${[...counts, ...(users ? [users] : [])].join(', ')} in ${Date.now() - started} ms`;
  } finally {
    await sequelize.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  seedIfEmpty(config().databaseUrl)
    .then((summary) => console.log(summary ? `loaded demo data: ${summary}` : 'database is not empty; nothing seeded'))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
