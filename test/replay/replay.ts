/**
 * Replays the recorded order histories (test/replay/histories/*.json) through today's workflow
 * code and prints one JSON line: `[{ file, error }]`. Run directly (`npx tsx test/replay/replay.ts`)
 * or through test/unit/orders/replay.test.ts. A separate process because the SDK's JSON history
 * loader needs Node's own module loading (under vitest protobufjs resolves twice).
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { workflowBundle } from '../../worker/workers.js';
import { historyFromCliJson } from './loadHistory.js';

const DIR = new URL('./histories/', import.meta.url);

Runtime.install({ logger: new DefaultLogger('ERROR') });
const files = (await readdir(fileURLToPath(DIR))).filter((f) => /^(orderLifecycle|metrcTransfer|metrcSubmission|notificationDigest|notificationBatch|notificationDelivery)-.*\.json$/.test(f)).sort();
const histories = await Promise.all(files.map(async (f) => ({ workflowId: f, history: historyFromCliJson(JSON.parse(await readFile(new URL(f, DIR), 'utf8'))) })));
const out: Array<{ file: string; error: string | null }> = [];
for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
  out.push({ file: r.workflowId, error: r.error ? String(r.error) : null });
}
console.log(JSON.stringify(out));
process.exit(out.length === files.length && out.every((r) => r.error === null) ? 0 : 1);
