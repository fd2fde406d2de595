/** Scratch databases for benchmarks: named from DATABASE_URL plus a suffix, migrated, dropped after. */
import { createSequelize, dropDatabase } from '../../db/connection.js';
import { config } from '../../platform/config.js';
import { migrateUp } from '../../scripts/migrate.js';

export function scratchUrl(suffix: string): string {
  const u = new URL(config().databaseUrl);
  u.pathname = `${u.pathname.replace(/^\//, '/') || '/trellis'}_bench_${suffix}`;
  return u.toString();
}

export async function freshDatabase(suffix: string): Promise<string> {
  const url = scratchUrl(suffix);
  await dropDatabase(url);
  await migrateUp(url, true);
  return url;
}

export { createSequelize, dropDatabase };
