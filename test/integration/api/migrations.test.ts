/** Every migration goes down and back up cleanly, on a scratch database. */
import { afterAll, describe, expect, it } from 'vitest';
import { createSequelize, dropDatabase, ensureDatabase } from '../../../db/connection.js';
import { MIGRATIONS } from '../../../db/migrations/index.js';
import { createMigrator } from '../../../db/migrator.js';

const scratch = (() => {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = `${u.pathname}_mig`;
  return u.toString();
})();

describe('migrations', () => {
  const sequelize = createSequelize(scratch, 2);
  afterAll(async () => {
    await sequelize.close();
    await dropDatabase(scratch);
  });

  const tables = async () => {
    const [rows] = await sequelize.query('SHOW TABLES');
    return (rows as Array<Record<string, string>>).map((r) => Object.values(r)[0]!).sort();
  };

  it('run up, down to zero and up again', async () => {
    await dropDatabase(scratch);
    await ensureDatabase(scratch);
    const migrator = createMigrator(sequelize);
    const names = MIGRATIONS.map((m) => m.name);

    expect((await migrator.up()).map((m) => m.name)).toEqual(names);
    const full = await tables();
    expect(full).toEqual(expect.arrayContaining(['entities', 'locations', 'products', 'product_variants', 'inventory', 'orders', 'order_items', 'users', 'user_sessions']));

    expect((await migrator.down({ to: 0 })).map((m) => m.name)).toEqual([...names].reverse());
    expect(await migrator.executed()).toEqual([]);
    expect(await tables()).toEqual(['schema_migrations']);

    await migrator.up();
    expect(await tables()).toEqual(full);
    expect((await migrator.executed()).map((m) => m.name)).toEqual(names);
  });
});
