import { afterEach, describe, expect, it, vi } from 'vitest';
import { timeOrderedId } from '../../../platform/ids.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  afterEach(() => vi.restoreAllMocks());

  it('makes distinct UUIDv7 strings that sort in creation order', () => {
    const ids = Array.from({ length: 20_000 }, timeOrderedId);
    expect(ids.every((id) => V7.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id, i) => i === 0 || ids[i - 1]! < id)).toBe(true);
  });

  it('carries the creation time in its first 48 bits', () => {
    const ms = Date.now() + 10_000;
    vi.spyOn(Date, 'now').mockReturnValue(ms);
    expect(parseInt(timeOrderedId().replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
  });

  it('stays ordered past 4096 ids in one millisecond and when the clock steps back', () => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 20_000);
    const ids = Array.from({ length: 5000 }, timeOrderedId);
    now.mockReturnValue(Date.now() + 19_000);
    ids.push(...Array.from({ length: 10 }, timeOrderedId));
    expect(ids.every((id, i) => i === 0 || ids[i - 1]! < id)).toBe(true);
  });
});
