export { createMetrcSandbox, type MetrcSandbox, type MetrcSandboxOptions, type RunningSandbox } from './server.js';
export { NO_FAULTS, parseFaults, faultsFromEnv, type FaultConfig } from './faults.js';
export { METRC_RATE_LIMITS, type RateLimitConfig } from './rate-limit.js';
export type { SandboxStore, SandboxSummary } from './store.js';
export * from './demo-data.js';
