import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../../../worker/workers.js';
import { historyFromCliJson } from '../../replay/loadHistory.js';

/**
 * Determinism guard: histories recorded from real finished orders (test/replay/histories, made by
 * test/integration/orders/histories.test.ts) must replay through today's workflow code. A change
 * that would break running orders in production fails here first.
 */
const DIR = new URL('../../replay/histories/', import.meta.url);

try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  /* already installed */
}

describe('order and METRC workflows replay their recorded histories', () => {
  it('every recorded history replays without nondeterminism', async () => {
    const files = (await readdir(fileURLToPath(DIR))).filter((f) => /^(orderLifecycle|metrcTransfer|metrcSubmission|notificationDigest|notificationBatch|notificationDelivery)-.*\.json$/.test(f)).sort();
    // One generation (nothing released yet): 4 orders, 3 transfers, 3 submissions, 1 digest.
    expect(files.length).toBeGreaterThanOrEqual(11);
    const histories = await Promise.all(
      files.map(async (f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromCliJson(JSON.parse(await readFile(new URL(f, DIR), 'utf8'))) })),
    );
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) results.push(r);
    expect(results.map((r) => [r.workflowId, r.error ? String(r.error) : null])).toEqual(histories.map((h) => [h.workflowId, null]));
  }, 120_000);
});
