/**
 * Session SQL modes the hub refuses to run under. With NO_BACKSLASH_ESCAPES the server stops
 * treating `\` as an escape character, while mysql2 and Sequelize still escape client-side with
 * backslashes: a value ending in `\` then closes its string literal early (CVE-2026-139877, SQL
 * injection). The check is per connection because sql_mode is per session.
 */
import type { Sequelize } from 'sequelize';

export const REFUSED_SQL_MODES = ['NO_BACKSLASH_ESCAPES'] as const;

export class UnsafeSqlModeError extends Error {
  constructor(readonly modes: string[]) {
    super(
      `Refusing to use this database connection: its session sql_mode contains ${modes.join(', ')}. ` +
        'Trellis escapes SQL values client-side with backslashes, which that mode turns into an injection risk. ' +
        'Remove it from the server\'s sql_mode (SET GLOBAL sql_mode / my.cnf) and restart.',
    );
    this.name = 'UnsafeSqlModeError';
  }
}

/** The refused modes present in a `@@SESSION.sql_mode` value. */
export function refusedSqlModes(sqlMode: string): string[] {
  const present = new Set(sqlMode.split(',').map((m) => m.trim().toUpperCase()));
  return REFUSED_SQL_MODES.filter((m) => present.has(m));
}

export function assertSafeSqlModeValue(sqlMode: string): void {
  const bad = refusedSqlModes(sqlMode);
  if (bad.length > 0) throw new UnsafeSqlModeError(bad);
}

export const SQL_MODE_QUERY = 'SELECT @@SESSION.sql_mode AS sql_mode';

/** Checks the session of a pooled connection of `sequelize` (readiness and ad-hoc checks). */
export async function assertSafeSqlMode(sequelize: Sequelize): Promise<void> {
  const [rows] = await sequelize.query(SQL_MODE_QUERY);
  assertSafeSqlModeValue(String((rows as Array<{ sql_mode: unknown }>)[0]?.sql_mode ?? ''));
}

/** Raw mysql2 (callback API) connection as handed to Sequelize's afterConnect hook. */
interface RawConnection {
  query(sql: string, cb: (err: Error | null, rows: unknown) => void): unknown;
  destroy?(): void;
}

/** Checks the session of a raw mysql2 connection; leaves closing it to the caller. */
export async function assertSafeConnection(connection: unknown): Promise<void> {
  const raw = connection as RawConnection;
  const rows = await new Promise<unknown>((resolve, reject) => raw.query(SQL_MODE_QUERY, (err, r) => (err ? reject(err) : resolve(r))));
  assertSafeSqlModeValue(String((rows as Array<{ sql_mode: unknown }>)[0]?.sql_mode ?? ''));
}

/** afterConnect hook: every new connection is checked before Sequelize hands it out. */
export async function checkNewConnection(connection: unknown): Promise<void> {
  const raw = connection as RawConnection;
  try {
    await assertSafeConnection(raw);
  } catch (err) {
    raw.destroy?.(); // the pool never saw it: close it here or it leaks
    throw err;
  }
}
