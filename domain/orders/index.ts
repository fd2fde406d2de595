export * from './status.js';
export * from './transitions.js';
export * from './fulfilment.js';
export * from './timing.js';
export * from './editing.js';
export * from './packages.js';
export * from './reconcile.js';
export * from './metrcCheck.js';
