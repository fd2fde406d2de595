import { ApplicationFailure } from '@temporalio/common';
import type { Redis } from 'ioredis';
import { FAILURE } from '../contracts/failures.js';
import { retryingDeadlocks, type AtomicWriter, type ScriptedTransaction, type TransactionEnd } from '../db/tx.js';
import { consumeHoldsIn, OrderMissing, StockShort, type StockResult } from '../db/repositories/stock.js';
import { bumpVersion } from '../platform/cacheVersions.js';

export type { ShortLine, StockResult } from '../db/repositories/stock.js';

/** The repository's refusals as the workflow's non-retryable failures (nothing was written). */
export function asStockFailure(err: unknown): unknown {
  if (err instanceof OrderMissing) return ApplicationFailure.create({ type: FAILURE.NotFound, nonRetryable: true, message: err.message });
  if (err instanceof StockShort) {
    return ApplicationFailure.create({ type: FAILURE.InsufficientStock, nonRetryable: true, message: err.message, details: [{ short_lines: err.lines }] });
  }
  return err;
}

const stockStep = (writer: AtomicWriter, step: (tx: ScriptedTransaction) => Promise<TransactionEnd<StockResult>>): Promise<StockResult> =>
  retryingDeadlocks(() => writer.transaction(step)).catch((err: unknown) => {
    throw asStockFailure(err);
  });

/**
 * Stock holds (db/repositories/stock.ts). Each activity is one transaction of two or three round
 * trips (db/tx.ts): the reads
 * and row locks it decides on, then its writes together with the COMMIT. The same steps also run
 * inside the order's read-model write (activities/orders.ts), so a status change and its stock
 * change commit together.
 */
export function createInventoryActivities({ writer, redis }: { writer: AtomicWriter; redis?: Redis }) {
  /**
   * After the commit, the API's cached catalogue pages (built from stock) go stale: the next read
   * shows the new available quantity. Also when a retry found the work done, since the attempt
   * that did it may have died before bumping.
   */
  const committed = async (result: StockResult): Promise<StockResult> => {
    if (redis) await bumpVersion(redis, 'inventory');
    return result;
  };
  return {
    /** Saga compensation for accept: gives back exactly what the order still holds. */
    async releaseStock(input: { orderId: string }): Promise<StockResult> {
      return committed(await stockStep(writer, (tx) => consumeHoldsIn(tx, input.orderId, 'released')));
    },
  };
}
