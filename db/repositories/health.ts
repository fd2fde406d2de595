import type { Sequelize } from 'sequelize';

/** Liveness probes of the database: the readiness check and the worker's dependency probe. */
export async function pingDatabase(sequelize: Sequelize): Promise<void> {
  await sequelize.query('SELECT 1');
}

/** The database server's clock (UTC). */
export async function databaseNow(sequelize: Sequelize): Promise<Date> {
  const [rows] = await sequelize.query('SELECT UTC_TIMESTAMP(3) AS now');
  return new Date((rows as Array<{ now: Date | string }>)[0]?.now ?? 0);
}
