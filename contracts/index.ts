// The workflow contract: what api/, activities/, workflows/, scripts and tests share about
// workflows. Imports only domain/ and Temporal's define* helpers (eslint.config.js).
export * from './ids.js';
export * from './workflowTypes.js';
export * from './searchAttributes.js';
export * from './failures.js';
export * from './order.js';
export * from './metrc.js';
export * from './report.js';
export * from './deadLetters.js';
export type { RetryInput } from './retry.js';
