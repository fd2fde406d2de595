/**
 * Pre-builds the workflow bundles into dist/ so workers load them instead of running webpack in
 * their own process at startup (which leaves ~150 MB of bundler heap resident for the worker's
 * whole life): the plain one, and the one with tracing's workflow interceptors that a worker with
 * tracing on loads. worker/workers.ts uses a file only while it is newer than every source it was
 * built from; otherwise it bundles in-process as before.
 *   npm run build:workflows             (skips a bundle that is already fresh; --force rebuilds)
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModule } from '../platform/telemetry/temporal.js';
import { freshPrebuiltBundle, prebuiltBundlePath, quietBundlerLogger, workflowsPath } from '../worker/workers.js';

for (const modules of [[], [workflowInterceptorModule]]) {
  const path = prebuiltBundlePath(modules);
  if (!process.argv.includes('--force') && freshPrebuiltBundle(modules)) {
    console.log(`[trellis] workflow bundle ${path} is up to date`);
    continue;
  }
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: modules, logger: quietBundlerLogger });
  mkdirSync(dirname(path), { recursive: true });
  // Written beside and renamed, so a worker starting meanwhile never reads half a bundle.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, path);
  console.log(`[trellis] workflow bundle written to ${path} (${(code.length / 1024).toFixed(0)} KiB)`);
}
