import mysql from 'mysql2/promise';
import { assertSafeConnection } from './sqlMode.js';
import { AppError } from '../domain/errors.js';

/**
 * THE transaction primitive. Every multi-statement write in the hub goes through `AtomicWriter`
 * (one round trip per decision); Sequelize keeps the single-row CRUD of the resource models.
 * Database failures are classified here, once (`dbFailure`), for raw mysql2 errors and Sequelize's
 * wrappers alike, so callers ask "was it a duplicate?" instead of comparing errno or class names.
 *
 * Why a second, small pool (DB_POOL_WRITER) next to Sequelize's: this one allows multi-statement
 * queries, which is what makes a transaction one round trip. Enabling that on the general pool
 * would let any future injection bug there stack statements; keeping it on a pool that only
 * ever runs driver-escaped `Statement`s built in db/ limits that to this file's callers.
 */

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
        await retryingDeadlocks(() => writer.transaction(async () => ({ value: undefined, writes: statements })));
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

/** What a database failure means to a caller; undefined for anything else (passed on as it is). */
export type DbFailure =
  | { kind: 'duplicate'; key: string | null }
  | { kind: 'missing_reference'; field: string }
  | { kind: 'still_referenced' }
  | { kind: 'deadlock' };

const ER_DUP_ENTRY = 1062;
const ER_ROW_IS_REFERENCED = new Set([1451, 1217]);
const ER_NO_REFERENCED_ROW = new Set([1452, 1216]);
const ER_LOCK = new Set([1213, 1205]); // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT

/**
 * Classifies a failure from either data path: a mysql2 error carries `errno`, a Sequelize error
 * carries the driver's error as `parent`/`original`.
 */
export function dbFailure(err: unknown): DbFailure | undefined {
  const raw = err as { errno?: number; sqlMessage?: string; parent?: unknown; original?: unknown } | null;
  if (!raw || typeof raw !== 'object') return undefined;
  const e = (raw.errno === undefined ? (raw.parent ?? raw.original ?? raw) : raw) as { errno?: number; sqlMessage?: string };
  const message = e.sqlMessage ?? '';
  if (e.errno === ER_DUP_ENTRY) return { kind: 'duplicate', key: /for key '(?:[^.']+\.)?([^']+)'/.exec(message)?.[1] ?? null };
  if (e.errno !== undefined && ER_NO_REFERENCED_ROW.has(e.errno)) {
    return { kind: 'missing_reference', field: /FOREIGN KEY \(`([^`]+)`\)/.exec(message)?.[1] ?? 'id' };
  }
  if (e.errno !== undefined && ER_ROW_IS_REFERENCED.has(e.errno)) return { kind: 'still_referenced' };
  if (e.errno !== undefined && ER_LOCK.has(e.errno)) return { kind: 'deadlock' };
  return undefined;
}

export const isDuplicate = (err: unknown): boolean => dbFailure(err)?.kind === 'duplicate';

/**
 * InnoDB may still pick a deadlock victim (or time a lock wait out) under heavy contention: the
 * whole transaction is re-run, at most `attempts` times, with a short jittered pause.
 */
export async function retryingDeadlocks<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || dbFailure(err)?.kind !== 'deadlock') throw err;
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 30));
    }
  }
}

/** The constraint failures a client can cause, as the envelope's errors; anything else as it is. */
function asClientError(err: unknown): unknown {
  const f = dbFailure(err);
  if (f?.kind === 'missing_reference') {
    return new AppError('UNPROCESSABLE_ENTITY', `${f.field} does not name an existing record`, { field: f.field, issue: 'not found' });
  }
  if (f?.kind === 'duplicate') {
    return new AppError('CONFLICT', 'Another record already uses this value', { issue: 'already exists' });
  }
  return err;
}
