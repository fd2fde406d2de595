// `--import ./platform/telemetry/preload.mjs` (after tsx): installs tracing before the app's
// imports (preload.ts). Plain JavaScript and guarded, because Temporal's workflow threads inherit
// the process's flags: there it must neither need the TypeScript loader nor install anything.
import { isMainThread } from 'node:worker_threads';

if (isMainThread) await import('./preload.ts');
