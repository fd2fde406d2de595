// Every workflow the worker registers. Workflow code is deterministic and imports activity
// types only (see eslint.config.js).
export { systemCheck } from './systemCheck.js';
