import { Sequelize } from 'sequelize';
import { config } from '../platform/config.js';
import { checkNewConnection } from './sqlMode.js';

/**
 * One Sequelize instance per process. `dialect: mysql` (mysql2) works against both MySQL 8 and
 * MariaDB 10.11; we keep to SQL both accept.
 */
export function createSequelize(databaseUrl: string = config().databaseUrl, poolMax = 10): Sequelize {
  const url = new URL(databaseUrl);
  url.protocol = 'mysql:';
  return new Sequelize(url.toString(), {
    dialect: 'mysql',
    logging: false,
    timezone: '+00:00',
    pool: { max: poolMax, min: 0, idle: 10_000, acquire: 20_000 },
    dialectOptions: { connectTimeout: 5000, dateStrings: false, supportBigNumbers: true },
    define: { underscored: true, timestamps: true },
    // Fail closed on a server whose sql_mode would make client-side escaping unsafe (db/sqlMode.ts).
    hooks: { afterConnect: checkNewConnection },
  });
}

/** Creates the database named in the URL if it does not exist (connecting without a database). */
export async function ensureDatabase(databaseUrl: string = config().databaseUrl): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new Error(`Refusing to create database with name "${name}"`);
  url.pathname = '/';
  const admin = createSequelize(url.toString(), 1);
  try {
    await admin.query(
      `CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await admin.close();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new Error(`Refusing to drop database with name "${name}"`);
  url.pathname = '/';
  const admin = createSequelize(url.toString(), 1);
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await admin.close();
  }
}
