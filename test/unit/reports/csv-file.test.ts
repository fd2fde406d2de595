import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvPage } from '../../../activities/reportFiles.js';

const parseBack = (b: Buffer, bom = false) => parse(b, { bom, relax_quotes: false, record_delimiter: ['\r\n', '\n', '\r'] }) as string[][];

describe('report CSV pages', () => {
  it('quotes bare LF and CR too, so a parser taking any line break as a row end keeps the row whole', async () => {
    const row = ['a\nb', 'c\rd', 'e\r\nf', 'g,h', 'say "hi"', 'Blue Dream — ½ oz'];
    const bytes = await csvPage([row], { bom: false });
    expect(bytes.toString('utf8').endsWith('\r\n')).toBe(true);
    expect(parseBack(bytes)).toEqual([row]);
  });

  it('any strings parse back to the same rows, with and without the BOM', async () => {
    // Every row of a report has all its columns (never fewer than two), so the rows of one case share a width.
    const table = fc.integer({ min: 2, max: 4 }).chain((w) => fc.array(fc.array(fc.string({ unit: 'grapheme' }), { minLength: w, maxLength: w }), { minLength: 1, maxLength: 5 }));
    await fc.assert(
      fc.asyncProperty(table, fc.boolean(), async (rows, bom) => {
        const bytes = await csvPage(rows, { bom });
        expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(bom);
        expect(parseBack(bytes, bom)).toEqual(rows);
      }),
      { numRuns: 200 },
    );
  });
});
