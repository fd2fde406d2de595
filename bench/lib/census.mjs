// `--import ./bench/lib/census.mjs`: the span census preload (census.ts) in the main thread only;
// Temporal's workflow threads inherit the flag and must not load TypeScript or install it.
import { isMainThread } from 'node:worker_threads';

if (isMainThread) await import('./census.ts');
