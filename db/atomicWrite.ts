import mysql from 'mysql2/promise';
import { AppError } from '../domain/errors.js';

/**
 * DATETIME(3) literal in UTC. Values go through `mysql.format`, which would render a Date in the
 * process's local zone; the app's connections work in UTC.
 */
export const sqlDateTime = (d: Date): string => d.toISOString().slice(0, 23).replace('T', ' ');

/** One SQL statement with `?` placeholders and its values. */
export interface Statement {
  sql: string;
  values: unknown[];
}

/**
 * Writes a few statements as one transaction in ONE round trip. A transaction through Sequelize
 * costs START, one trip per statement and COMMIT; on the hot write paths (POST /orders: order,
 * lines, audit row) those trips were most of the request's database time.
 *
 * Multi-statement queries are enabled on this small pool only, never on the general one, and
 * every value is escaped by the driver (`mysql.format`), so no caller text becomes SQL. When a
 * statement fails the server stops there with the transaction open: we roll it back on that same
 * connection (or drop the connection, which rolls it back too) before anyone else can use it.
 */
export interface AtomicWriter {
  write(statements: Statement[]): Promise<void>;
  close(): Promise<void>;
}

export function createAtomicWriter(databaseUrl: string, poolMax = 4): AtomicWriter {
  const url = new URL(databaseUrl);
  const pool = mysql.createPool({
    host: url.hostname || '127.0.0.1',
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')),
    connectionLimit: poolMax,
    maxIdle: poolMax,
    idleTimeout: 10_000,
    connectTimeout: 5000,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    multipleStatements: true,
  });

  return {
    async write(statements) {
      if (statements.length === 0) return;
      const sql = ['START TRANSACTION', ...statements.map((s) => mysql.format(s.sql, s.values as never[])), 'COMMIT'].join(';\n');
      const conn = await pool.getConnection();
      try {
        await conn.query(sql);
      } catch (err) {
        // Dropping the connection rolls the transaction back too, if ROLLBACK itself fails.
        await conn.query('ROLLBACK').then(() => conn.release(), () => conn.destroy());
        throw asClientError(err);
      }
      conn.release();
    },
    async close() {
      await pool.end();
    },
  };
}

/** The constraint failures a client can cause, as the envelope's errors; anything else as it is. */
function asClientError(err: unknown): unknown {
  const e = err as { errno?: number; sqlMessage?: string };
  if (e.errno === 1452) {
    const field = /FOREIGN KEY \(`([^`]+)`\)/.exec(e.sqlMessage ?? '')?.[1] ?? 'id';
    return new AppError('UNPROCESSABLE_ENTITY', `${field} does not name an existing record`, { field, issue: 'not found' });
  }
  if (e.errno === 1062) {
    return new AppError('CONFLICT', 'Another record already uses this value', { issue: 'already exists' });
  }
  return err;
}
