import { StringDecoder } from 'node:string_decoder';

/** Thrown when the body is not one well-formed top-level JSON array. */
export class JsonArrayStreamError extends Error {
  override readonly name = 'JsonArrayStreamError';
}

const enum State {
  BeforeArray,
  BeforeElement,
  InElement,
  AfterElement,
  Done,
}

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Parses a top-level JSON array element by element as bytes arrive, so a 100k-element snapshot is
 * never held as one string or one parsed array. Only the element being read is buffered; each is
 * handed to JSON.parse on its own, which also validates it.
 */
export async function* parseJsonArrayStream(source: AsyncIterable<Buffer | string>): AsyncGenerator<unknown> {
  const decoder = new StringDecoder('utf8');
  let state = State.BeforeArray;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let afterComma = false;
  let parts: string[] = [];

  const finishElement = (): unknown => {
    const raw = parts.join('');
    parts = [];
    try {
      return JSON.parse(raw);
    } catch {
      throw new JsonArrayStreamError(`malformed array element: ${raw.slice(0, 80)}`);
    }
  };

  function* feed(chunk: string): Generator<unknown> {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (state === State.InElement) {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) inString = false;
        } else if (c === QUOTE) {
          inString = true;
        } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
          depth++;
        } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
          if (depth === 0) {
            // the outer array closing straight after a scalar element
            parts.push(chunk.slice(start, i));
            yield finishElement();
            state = State.Done;
          } else if (--depth === 0) {
            parts.push(chunk.slice(start, i + 1));
            yield finishElement();
            state = State.AfterElement;
          }
        } else if (depth === 0 && (c === COMMA || isWs(c))) {
          parts.push(chunk.slice(start, i));
          yield finishElement();
          state = c === COMMA ? State.BeforeElement : State.AfterElement;
          afterComma = c === COMMA;
        }
        continue;
      }
      if (isWs(c)) continue;
      if (state === State.BeforeArray) {
        if (c !== OPEN_ARRAY) throw new JsonArrayStreamError('body is not a JSON array');
        state = State.BeforeElement;
      } else if (state === State.Done) {
        throw new JsonArrayStreamError('data after the closing ]');
      } else if (c === CLOSE_ARRAY) {
        if (afterComma && state === State.BeforeElement) throw new JsonArrayStreamError('trailing comma');
        state = State.Done;
      } else if (state === State.AfterElement) {
        if (c !== COMMA) throw new JsonArrayStreamError(`expected , or ] but found ${chunk[i]}`);
        state = State.BeforeElement;
        afterComma = true;
      } else if (c === COMMA) {
        throw new JsonArrayStreamError('empty array element');
      } else {
        state = State.InElement;
        afterComma = false;
        start = i;
        depth = c === OPEN_OBJECT || c === OPEN_ARRAY ? 1 : 0;
        inString = c === QUOTE;
        escaped = false;
      }
    }
    if (state === State.InElement) parts.push(chunk.slice(start));
  }

  for await (const chunk of source) {
    yield* feed(typeof chunk === 'string' ? chunk : decoder.write(chunk));
  }
  yield* feed(decoder.end());
  if ((state as State) !== State.Done) throw new JsonArrayStreamError('body ended before the closing ]');
}
