/**
 * Issue 13 item 11: mysql2 and Sequelize escape values client-side with backslashes; under
 * NO_BACKSLASH_ESCAPES the server reads `\` literally, so a value ending in `\` breaks out of its
 * string (CVE-2026-139877). Every new connection checks its session sql_mode and refuses that.
 * Only session modes are changed here: the server's global mode is shared with other test runs.
 */
import mysql from 'mysql2';
import { describe, expect, it } from 'vitest';
import { createSequelize } from '../../../db/connection.js';
import { createAtomicWriter } from '../../../db/tx.js';
import { assertSafeConnection, assertSafeSqlMode, checkNewConnection, UnsafeSqlModeError } from '../../../db/sqlMode.js';

const url = process.env.DATABASE_URL!;

function rawConnection() {
  const u = new URL(url);
  return mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
  });
}

describe('security: NO_BACKSLASH_ESCAPES is refused', () => {
  it('shows why: the same escaped value means something else under that mode', async () => {
    const conn = rawConnection().promise();
    try {
      const value = "a\\' OR 1=1 -- ";
      const sql = mysql.format('SELECT ? AS v', [value]);
      const [normal] = await conn.query(sql);
      expect((normal as Array<{ v: string }>)[0]!.v).toBe(value);
      await conn.query("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')");
      // Under the mode the quote after the backslash ends the literal: not the value we sent.
      const broken = await conn.query(sql).then(
        ([rows]) => (rows as Array<{ v: string }>)[0]?.v,
        () => 'syntax error',
      );
      expect(broken).not.toBe(value);
    } finally {
      await conn.end();
    }
  });

  it('checks every new connection: one under the mode is refused with a clear message and closed', async () => {
    const conn = rawConnection();
    await conn.promise().query("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')");
    const err = await checkNewConnection(conn).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeSqlModeError);
    expect(String((err as Error).message)).toMatch(/sql_mode contains NO_BACKSLASH_ESCAPES/);
    // Closed, not leaked.
    await expect(conn.promise().query('SELECT 1')).rejects.toThrow();

    const fine = rawConnection();
    await expect(checkNewConnection(fine)).resolves.toBeUndefined();
    fine.destroy();
  });

  it('the atomic writer (client-side formatted batches) runs its statements after the check passed', async () => {
    const writer = createAtomicWriter(url, 1);
    try {
      const results = await writer.transaction(async (tx) => ({ value: await tx.run([{ sql: 'SELECT ? AS v', values: ["it\\'s"] }]), commit: false }));
      expect(results[0]).toEqual([{ v: "it\\'s" }]);
      // The same check, on a connection switched to the mode, refuses (without closing it: the
      // writer destroys the pooled connection itself).
      const conn = rawConnection();
      await conn.promise().query("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')");
      await expect(assertSafeConnection(conn)).rejects.toThrow(UnsafeSqlModeError);
      conn.destroy();
    } finally {
      await writer.close();
    }
  });

  it('wires the check into every Sequelize connection and refuses a session switched to the mode', async () => {
    const sequelize = createSequelize(url, 1);
    try {
      expect(sequelize.hasHook('afterConnect')).toBe(true);
      await assertSafeSqlMode(sequelize);
      await sequelize.query("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')");
      await expect(assertSafeSqlMode(sequelize)).rejects.toThrow(UnsafeSqlModeError);
    } finally {
      await sequelize.close();
    }
  });
});
