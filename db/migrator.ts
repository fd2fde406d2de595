import type { QueryInterface, Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { MIGRATIONS } from './migrations/index.js';

export interface MigrationContext {
  queryInterface: QueryInterface;
  sequelize: Sequelize;
}
export type Migration = (params: { context: MigrationContext }) => Promise<void>;


export function createMigrator(sequelize: Sequelize, logger?: Pick<Console, 'info' | 'warn' | 'error' | 'debug'>) {
  return new Umzug<MigrationContext>({
    migrations: MIGRATIONS.map((m) => ({ name: m.name, up: m.up, down: m.down })),
    context: { queryInterface: sequelize.getQueryInterface(), sequelize },
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: logger ?? undefined,
  });
}
