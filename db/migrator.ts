import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { QueryInterface, Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';

export interface MigrationContext {
  queryInterface: QueryInterface;
  sequelize: Sequelize;
}
export type Migration = (params: { context: MigrationContext }) => Promise<void>;

const here = path.dirname(fileURLToPath(import.meta.url));

export function createMigrator(sequelize: Sequelize, logger?: Pick<Console, 'info' | 'warn' | 'error' | 'debug'>) {
  return new Umzug<MigrationContext>({
    migrations: {
      glob: ['migrations/*.{ts,js}', { cwd: here, ignore: ['**/*.d.ts'] }],
    },
    context: { queryInterface: sequelize.getQueryInterface(), sequelize },
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: logger ?? undefined,
  });
}
