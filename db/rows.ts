import { columnsOf, tableOf, type ColumnsOf, type ModelName } from './models.js';
import { sqlDateTime, type Statement } from './tx.js';

/**
 * A multi-row INSERT for the one-round-trip writer whose column list comes from the model
 * (db/models.ts), not from a hand-typed list: a row must name every column of the model (the
 * compiler says so), so a column added to the model cannot be forgotten here. Dates are written
 * as DATETIME(3) in UTC, objects as JSON.
 */
export function insertRows<N extends ModelName>(model: N, rows: Array<Record<ColumnsOf<N>, unknown>>): Statement {
  if (rows.length === 0) throw new Error(`insertRows(${model}) needs at least one row`);
  const columns = columnsOf(model);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  return {
    sql: `INSERT INTO ${tableOf(model)} (${columns.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}`,
    values: rows.flatMap((row) => columns.map((c) => sqlValue(row[c]))),
  };
}

function sqlValue(v: unknown): unknown {
  if (v instanceof Date) return sqlDateTime(v);
  if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) return JSON.stringify(v);
  return v;
}
