import { describe, expect, it } from 'vitest';
import { collect, paginate, paginateNewestFirst, type MetrcPage } from '../../../integrations/metrc/paging.js';
import { packageLabelCache } from '../../../integrations/metrc/reconcile.js';
import type { MetrcClient } from '../../../integrations/metrc/client.js';

/** A METRC-like list of `n` rows in posted order, `size` per page, that records which pages were asked for. */
function pagedList(n: number, size = 20) {
  const asked: number[] = [];
  const fetchPage = async (pageNumber: number): Promise<MetrcPage<number>> => {
    asked.push(pageNumber);
    const data = Array.from({ length: n }, (_, i) => i + 1).slice((pageNumber - 1) * size, pageNumber * size);
    return { data, currentPage: pageNumber, totalPages: Math.ceil(n / size), totalRecords: n };
  };
  return { asked, fetchPage };
}

describe('METRC paging', () => {
  it('newest first: page 1, then the last page down to page 2, each reversed; every row exactly once', async () => {
    const list = pagedList(45);
    const rows = await collect(paginateNewestFirst(list.fetchPage));
    expect(list.asked).toEqual([1, 3, 2]);
    expect(rows).toEqual([...Array.from({ length: 45 }, (_, i) => 45 - i).slice(0, 25), ...Array.from({ length: 20 }, (_, i) => 20 - i)]);
    expect([...rows].sort((a, b) => a - b)).toEqual(await collect(paginate(pagedList(45).fetchPage)));
  });

  it('newest first stops asking once the caller has what it wanted', async () => {
    const list = pagedList(200);
    for await (const row of paginateNewestFirst(list.fetchPage)) if (row === 190) break;
    expect(list.asked).toEqual([1, 10]);
  });

  it('an empty or single-page list is one request', async () => {
    for (const n of [0, 7]) {
      const list = pagedList(n);
      expect((await collect(paginateNewestFirst(list.fetchPage))).length).toBe(n);
      expect(list.asked).toEqual([1]);
    }
  });
});

describe('package label cache', () => {
  it('reads a delivery once while its transfer is unchanged, again after an edit', async () => {
    const reads: number[] = [];
    const client = {
      async listDeliveryPackages(deliveryId: number) {
        reads.push(deliveryId);
        return [{ PackageLabel: `L-${deliveryId}-${reads.length}` }];
      },
    } as unknown as MetrcClient;
    const labelsOf = packageLabelCache(2)(client);
    const t = (DeliveryId: number, LastModified: string) => ({ DeliveryId, LastModified }) as never;
    const first = await labelsOf(t(1, '2026-11-25T01:00:00Z'));
    expect(await labelsOf(t(1, '2026-11-25T01:00:00Z'))).toEqual(first);
    expect(reads).toEqual([1]);
    await labelsOf(t(1, '2026-11-25T02:00:00Z')); // edited in METRC
    expect(reads).toEqual([1, 1]);
    // Bounded: the oldest entries go first.
    await labelsOf(t(2, 'x'));
    await labelsOf(t(3, 'x'));
    await labelsOf(t(1, '2026-11-25T01:00:00Z'));
    expect(reads).toEqual([1, 1, 2, 3, 1]);
  });
});
