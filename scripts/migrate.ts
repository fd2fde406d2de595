/**
 * `tsx scripts/migrate.ts up|down|pending|reset` — creates the database when missing and runs
 * umzug migrations. Used by `npm start`, the test setup and the Docker entrypoint.
 */
import { createSequelize, ensureDatabase } from '../db/connection.js';
import { createMigrator } from '../db/migrator.js';
import { config } from '../platform/config.js';

export async function migrateUp(databaseUrl = config().databaseUrl, quiet = false): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const sequelize = createSequelize(databaseUrl, 2);
  try {
    const applied = await createMigrator(sequelize, quiet ? undefined : console).up();
    return applied.map((m) => m.name);
  } finally {
    await sequelize.close();
  }
}

async function main(cmd: string) {
  if (cmd === 'up') {
    const names = await migrateUp();
    console.log(names.length ? `applied ${names.length} migration(s)` : 'database schema is up to date');
    return;
  }
  const sequelize = createSequelize(config().databaseUrl, 2);
  try {
    const migrator = createMigrator(sequelize, console);
    if (cmd === 'down') await migrator.down();
    else if (cmd === 'reset') await migrator.down({ to: 0 });
    else if (cmd === 'pending') console.log((await migrator.pending()).map((m) => m.name).join('\n') || 'none');
    else throw new Error(`unknown command "${cmd}" (use up, down, reset or pending)`);
  } finally {
    await sequelize.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  main(process.argv[2] ?? 'up').catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
