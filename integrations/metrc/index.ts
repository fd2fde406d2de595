export * from './errors.js';
export * from './types.js';
export { MetrcClient, type MetrcClientOptions } from './client.js';
export { metrcBaseUrl, METRC_STATES, isMetrcState, type MetrcState } from './hosts.js';
export { readField, readNumber, readString, readArray, pascalizeKeys } from './fields.js';
export { METRC_MAX_OBJECTS_PER_REQUEST, chunk } from './chunking.js';
export { METRC_MAX_PAGE_SIZE, type MetrcPage } from './paging.js';
export { parseRetryAfter, parseRowMessages } from './error-mapping.js';
export * from './reconcile.js';
