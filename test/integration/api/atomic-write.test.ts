import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createAtomicWriter } from '../../../db/tx.js';
import { AppError } from '../../../domain/errors.js';
import { closeDeps, createDeps } from '../../support/harness.js';

/** db/tx.ts: several statements, one transaction, one round trip — all or nothing. */
describe('atomic multi-statement writer', () => {
  const deps = createDeps();
  // One connection, so a transaction left open by a failure would be seen by the next write.
  const writer = createAtomicWriter(deps.config.databaseUrl, 1);
  afterAll(async () => {
    await writer.close();
    await closeDeps(deps);
  });

  const entity = (id: string, license: string) => ({
    sql: `INSERT INTO entities (id, type, name, license_number, license_state, license_type, created_at, updated_at)
          VALUES (?, 'wholesaler', ?, ?, 'CO', 'Wholesale', NOW(3), NOW(3))`,
    values: [id, `Atomic ${license}`, license],
  });
  const count = async (ids: string[]) => {
    const [rows] = await deps.sequelize.query('SELECT COUNT(*) AS n FROM entities WHERE id IN (?)', { replacements: [ids] });
    return Number((rows as Array<{ n: number }>)[0]!.n);
  };

  it('commits every statement together', async () => {
    const a = randomUUID();
    const b = randomUUID();
    await writer.write([entity(a, `AW-${a.slice(0, 8)}`), entity(b, `AW-${b.slice(0, 8)}`)]);
    expect(await count([a, b])).toBe(2);
  });

  it('a failing statement rolls back the ones before it and leaves the connection clean', async () => {
    const a = randomUUID();
    const dup = `AW-DUP-${a.slice(0, 8)}`;
    const b = randomUUID();
    const c = randomUUID();
    // the third row repeats the second's license number: unique key violation after two inserts
    const err = await writer.write([entity(a, `AW-${a.slice(0, 8)}`), entity(b, dup), entity(c, dup)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFLICT');
    expect(await count([a, b, c])).toBe(0);

    // The same (only) connection writes again. Had the failed transaction stayed open, this
    // write's START TRANSACTION would have committed its first two rows implicitly.
    const d = randomUUID();
    await writer.write([entity(d, `AW-${d.slice(0, 8)}`)]);
    expect(await count([d])).toBe(1);
    expect(await count([a, b, c])).toBe(0);
  });

  it('a missing reference is a 422-style client error naming the column', async () => {
    const w = createAtomicWriter(deps.config.databaseUrl, 1);
    try {
      const err = await w
        .write([{ sql: `INSERT INTO locations (id, entity_id, name, license_number, address_line1, city, state, postal_code, created_at, updated_at) VALUES (?, ?, 'X', ?, '1 Main', 'Denver', 'CO', '80202', NOW(3), NOW(3))`, values: [randomUUID(), randomUUID(), `AWL-${randomUUID().slice(0, 8)}`] }])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('UNPROCESSABLE_ENTITY');
      expect((err as AppError).details).toMatchObject({ field: 'entity_id' });
    } finally {
      await w.close();
    }
  });

  describe('transaction(): reads, then writes with the COMMIT', () => {
    it('answers each statement its rows and commits the writes it returns', async () => {
      const a = randomUUID();
      const b = randomUUID();
      await writer.write([entity(a, `AT-${a.slice(0, 8)}`)]);
      const seen = await writer.transaction(async (tx) => {
        const [rows, none] = await tx.run([
          { sql: 'SELECT id, license_number FROM entities WHERE id = ? FOR UPDATE', values: [a] },
          { sql: 'SELECT id FROM entities WHERE id = ?', values: [b] },
        ]);
        const [again] = await tx.run([{ sql: 'SELECT COUNT(*) AS n FROM entities WHERE id IN (?)', values: [[a, b]] }]);
        return { value: { rows, none, again }, writes: [entity(b, `AT-${b.slice(0, 8)}`)] };
      });
      expect(seen).toEqual({ rows: [{ id: a, license_number: `AT-${a.slice(0, 8)}` }], none: [], again: [{ n: 1 }] });
      expect(await count([a, b])).toBe(2);
    });

    it('commit: false and a throw both roll back, and the only connection is clean afterwards', async () => {
      const a = randomUUID();
      const b = randomUUID();
      await writer.transaction(async (tx) => {
        await tx.run([entity(a, `AT-${a.slice(0, 8)}`)]);
        return { value: null, commit: false };
      });
      expect(await count([a])).toBe(0);
      const err = await writer
        .transaction(async (tx) => {
          await tx.run([entity(b, `AT-${b.slice(0, 8)}`)]);
          throw new Error('changed my mind');
        })
        .catch((e: unknown) => e);
      expect(String(err)).toContain('changed my mind');
      expect(await count([b])).toBe(0);
      // A failing write in the final batch: the rows before it in the batch are rolled back too.
      const c = randomUUID();
      const dup = `AT-DUP-${c.slice(0, 8)}`;
      const failed = await writer
        .transaction(async () => ({ value: null, writes: [entity(c, dup), entity(randomUUID(), dup)] }))
        .catch((e: unknown) => e as { errno?: number });
      expect(failed).toMatchObject({ errno: 1062 });
      expect(await count([c])).toBe(0);
      const d = randomUUID();
      await writer.write([entity(d, `AT-${d.slice(0, 8)}`)]);
      expect(await count([d])).toBe(1);
    });
  });
});
