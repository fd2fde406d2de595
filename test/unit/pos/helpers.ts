import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { ItemResult, PosItem, PosRecordError } from '../../../integrations/pos/connector.js';
import { PosError } from '../../../integrations/pos/errors.js';

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function items(results: ItemResult[]): PosItem[] {
  return results.flatMap((r) => (r.ok ? [r.item] : []));
}

export function itemErrors(results: ItemResult[]): PosRecordError[] {
  return results.flatMap((r) => (r.ok ? [] : [r]));
}

/** The PosError a promise rejects with, checked to carry none of the given secrets. */
export async function posFailure(p: Promise<unknown>, secrets: string[] = []): Promise<PosError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PosError);
    const err = e as PosError;
    for (const text of [err.message, String(err.stack), JSON.stringify(err)]) {
      for (const s of secrets) expect(text).not.toContain(s);
    }
    return err;
  }
  throw new Error('expected the call to fail');
}

/** Pulls the first value from an async iterable and closes it. */
export async function first<T>(it: AsyncIterable<T>): Promise<T> {
  for await (const x of it) return x;
  throw new Error('iterable was empty');
}

export const netError = (code: string) => Object.assign(new Error(`${code} (simulated)`), { code });

/** No real network for the file (or describe block), and every nock interceptor set up must be used. */
export function strictNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  afterAll(() => nock.enableNetConnect());
}
