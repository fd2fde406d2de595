/**
 * `node --import tsx --import ./platform/telemetry/preload.mjs api/main.ts`: installs tracing
 * before the entry point's imports load ioredis and friends, so their instrumentation applies.
 * With tracing off (the default) this reads a few environment variables and returns.
 */
import { installTelemetry } from './index.js';

await installTelemetry({ process: process.env.TRELLIS_PROCESS ?? (process.argv[1]?.includes('worker') ? 'worker' : 'api') });
