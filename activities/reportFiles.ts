/**
 * Report file writers. CSV through csv-stringify (RFC 4180: CRLF records, quotes doubled, fields
 * with separators, quotes or line breaks quoted; UTF-8, optional BOM), written page by page so a
 * resumed report appends where its last heartbeat left off. XLSX through exceljs's streaming
 * WorkbookWriter: rows are flushed as they are added, the zip goes out in parts as it grows.
 */
import { PassThrough, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import type { Cell } from '../domain/reports/types.js';

const CSV_OPTIONS = {
  record_delimiter: 'windows' as const,
  // csv-stringify quotes only the record delimiter itself (CRLF); a bare LF or CR in a field would
  // otherwise go out unquoted and split the row for any parser that accepts either as a row end.
  quoted_match: /[\r\n]/,
  // csv-stringify writes true as "1" and false as "" by default: say what they are.
  cast: { boolean: (v: boolean) => (v ? 'true' : 'false') },
};

/** One page of records as CSV bytes; the first page carries the BOM when asked. */
export async function csvPage(records: readonly Cell[][], opts: { bom: boolean }): Promise<Buffer> {
  const s = stringify({ ...CSV_OPTIONS, bom: opts.bom });
  const parts: Buffer[] = [];
  s.on('data', (b: Buffer) => parts.push(b));
  for (const r of records) s.write(r);
  s.end();
  await finished(s);
  return Buffer.concat(parts);
}

/**
 * An XLSX being written: add pages of rows, then finish. `flush` receives the zip's bytes in
 * parts of about `partBytes` (and the rest at the end), awaited in order, so memory stays at a
 * part whatever the row count.
 */
export function xlsxWriter(flush: (part: Buffer) => Promise<void>, opts: { sheetName: string; partBytes?: number }) {
  const partBytes = opts.partBytes ?? 4 * 1024 * 1024;
  let pending: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      pending.push(chunk);
      size += chunk.length;
      if (size < partBytes) return done();
      const part = Buffer.concat(pending);
      pending = [];
      size = 0;
      flush(part).then(() => done(), done);
    },
    final(done) {
      if (size === 0) return done();
      const part = Buffer.concat(pending);
      pending = [];
      size = 0;
      flush(part).then(() => done(), done);
    },
  });
  const stream = new PassThrough();
  stream.pipe(sink);
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: false, useSharedStrings: false });
  const sheet = book.addWorksheet(opts.sheetName.slice(0, 31));
  return {
    addRows(rows: readonly Cell[][]): void {
      for (const r of rows) sheet.addRow(r as ExcelJS.CellValue[]).commit();
    },
    async finish(): Promise<void> {
      sheet.commit();
      await book.commit();
      await finished(sink);
    },
  };
}
