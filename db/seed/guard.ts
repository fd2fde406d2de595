/**
 * The demo seed creates users whose passwords and TOTP secret are published in the README. A
 * production database must never get them, whatever path reaches the seed (npm start, the seed
 * script, a direct import), so every entry point asks here first.
 *
 * "Empty" means no entities (nothing a person or a partner could have created), so a database
 * anyone has used is never touched.
 */
import type { Sequelize } from 'sequelize';
import { config, type Config } from '../../platform/config.js';

export class DemoSeedRefused extends Error {
  constructor() {
    super(
      'Refusing to load demo data with NODE_ENV=production: the demo users have published passwords and a published TOTP secret. ' +
        'Production users are created by an admin; unset NODE_ENV=production only for a throwaway development database.',
    );
    this.name = 'DemoSeedRefused';
  }
}

export function assertDemoSeedAllowed(nodeEnv: Config['nodeEnv'] = config().nodeEnv): void {
  if (nodeEnv === 'production') throw new DemoSeedRefused();
}

/** No entities yet: the only database the demo seed loads into. */
export async function databaseIsEmpty(sequelize: Sequelize): Promise<boolean> {
  const [rows] = await sequelize.query('SELECT EXISTS(SELECT 1 FROM entities) AS present');
  return Number((rows as Array<{ present: number | string }>)[0]?.present) === 0;
}
