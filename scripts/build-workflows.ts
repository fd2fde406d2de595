/**
 * Pre-builds the workflow bundle into dist/workflow-bundle.js so workers load it instead of running
 * webpack in their own process at startup (which leaves ~150 MB of bundler heap resident for the
 * worker's whole life). worker/workers.ts uses the file only while it is newer than every source it
 * was built from; otherwise it bundles in-process as before.
 *   npm run build:workflows             (skips when the file is already fresh; --force rebuilds)
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { freshPrebuiltBundle, prebuiltBundlePath, quietBundlerLogger, workflowsPath } from '../worker/workers.js';

if (!process.argv.includes('--force') && freshPrebuiltBundle()) {
  console.log(`[trellis] workflow bundle ${prebuiltBundlePath} is up to date`);
  process.exit(0);
}
const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
mkdirSync(dirname(prebuiltBundlePath), { recursive: true });
// Written beside and renamed, so a worker starting meanwhile never reads half a bundle.
const tmp = `${prebuiltBundlePath}.${process.pid}.tmp`;
writeFileSync(tmp, code);
renameSync(tmp, prebuiltBundlePath);
console.log(`[trellis] workflow bundle written to ${prebuiltBundlePath} (${(code.length / 1024).toFixed(0)} KiB)`);
