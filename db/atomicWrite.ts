import mysql from 'mysql2/promise';
import { assertSafeConnection } from './sqlMode.js';
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
  /**
   * A transaction that reads before it writes, in as few round trips as it has decisions: each
   * `tx.run` sends its statements together (the first also opens the transaction) and answers
   * their rows; what `fn` returns ends it — its `writes` go out with the COMMIT in one last trip,
   * or `commit: false` rolls back. A throw rolls back and passes the driver's error on (errno
   * kept, e.g. for deadlock retries).
   */
  transaction<T>(fn: (tx: ScriptedTransaction) => Promise<TransactionEnd<T>>): Promise<T>;
  close(): Promise<void>;
}

export interface ScriptedTransaction {
  run(statements: Statement[]): Promise<Array<Array<Record<string, unknown>>>>;
}

export interface TransactionEnd<T> {
  value: T;
  writes?: Statement[];
  commit?: boolean;
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

  const format = (st: Statement) => mysql.format(st.sql, st.values as never[]);

  // Statements are formatted client-side (backslash escapes), so a connection whose sql_mode has
  // NO_BACKSLASH_ESCAPES must never run one (db/sqlMode.ts). The check is sent as the connection
  // is made, ahead of anything else on it; a transaction awaits it before its first statement.
  const modeChecks = new WeakMap<object, Promise<void>>();
  pool.pool.on('connection', (core) => {
    const check = assertSafeConnection(core);
    check.catch(() => {}); // awaited (and reported) by the transaction that gets this connection
    modeChecks.set(core, check);
  });

  const writer: AtomicWriter = {
    async write(statements) {
      if (statements.length === 0) return;
      try {
        await writer.transaction(async () => ({ value: undefined, writes: statements }));
      } catch (err) {
        throw asClientError(err);
      }
    },
    async transaction(fn) {
      const conn = await pool.getConnection();
      try {
        await modeChecks.get(conn.connection);
      } catch (err) {
        conn.destroy();
        throw err;
      }
      let open = false;
      const tx: ScriptedTransaction = {
        async run(statements) {
          const parts = statements.map(format);
          if (!open) parts.unshift('START TRANSACTION');
          const [res] = await conn.query(parts.join(';\n'));
          const results = parts.length === 1 ? [res] : (res as unknown[]);
          const own = results.slice(open ? 0 : 1);
          open = true;
          return own.map((r) => (Array.isArray(r) ? (r as Array<Record<string, unknown>>) : []));
        },
      };
      try {
        const end = await fn(tx);
        const writes = (end.writes ?? []).map(format);
        if (end.commit === false) {
          if (open) await conn.query('ROLLBACK');
        } else if (open || writes.length) {
          await conn.query([...(open ? [] : ['START TRANSACTION']), ...writes, 'COMMIT'].join(';\n'));
        }
        conn.release();
        return end.value;
      } catch (err) {
        // The server stops a batch at the failing statement with the transaction still open.
        // Dropping the connection rolls it back too, if ROLLBACK itself fails.
        await conn.query('ROLLBACK').then(
          () => conn.release(),
          () => conn.destroy(),
        );
        throw err;
      }
    },
    async close() {
      await pool.end();
    },
  };
  return writer;
}

/** The constraint failures a client can cause, as the envelope's errors; anything else as it is. */
function asClientError(err: unknown): unknown {
  const e = err as { errno?: number; sqlMessage?: string };
  if (e.errno === 1452) {
    const field = /FOREIGN KEY \(`([^`]+)`\)/.exec(e.sqlMessage ?? '')?.[1] ?? 'id';
    return new AppError('UNPROCESSABLE_ENTITY', `${field} does not name an existing record`, {
      field,
      issue: 'not found',
    });
  }
  if (e.errno === 1062) {
    return new AppError('CONFLICT', 'Another record already uses this value', { issue: 'already exists' });
  }
  return err;
}
