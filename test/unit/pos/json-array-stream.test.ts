import { describe, expect, it } from 'vitest';
import { JsonArrayStreamError, parseJsonArrayStream } from '../../../integrations/pos/json-array-stream.js';

async function* chunks(parts: (string | Buffer)[]) {
  for (const p of parts) yield p;
}

async function collect(parts: (string | Buffer)[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of parseJsonArrayStream(chunks(parts))) out.push(e);
  return out;
}

describe('parseJsonArrayStream', () => {
  const doc = [
    { a: 1, s: 'comma, bracket ] brace } quote " backslash \\', nested: [1, [2, { x: 'y' }]] },
    'plain string',
    42,
    -1.5e3,
    true,
    null,
    [],
    {},
    { emoji: 'héllo ☘️ 🌿' },
  ];
  const text = ` \n${JSON.stringify(doc, null, 2)}\n `;

  it('yields every element of an array delivered in one piece', async () => {
    expect(await collect([text])).toEqual(doc);
  });

  it('yields the same elements however the bytes are split, including inside multi-byte characters', async () => {
    const bytes = Buffer.from(text, 'utf8');
    for (const size of [1, 2, 3, 7, 64]) {
      const parts: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
      expect(await collect(parts)).toEqual(doc);
    }
  });

  it('handles an empty array', async () => {
    expect(await collect(['[', ' ', ']'])).toEqual([]);
  });

  it.each([
    ['not an array', '{"values":[]}'],
    ['truncated body', '[{"a":1},{"b":'],
    ['missing closing bracket', '[1,2'],
    ['trailing comma', '[1,2,]'],
    ['garbage after the array', '[1] x'],
    ['broken element', '[{"a":tru}]'],
    ['missing comma', '[{"a":1} {"b":2}]'],
  ])('rejects %s', async (_name, body) => {
    await expect(collect([body])).rejects.toBeInstanceOf(JsonArrayStreamError);
  });
});
