import type { IncrementalConnector, PosConnector, SnapshotConnector } from './connector.js';
import { createBlazeConnector } from './blaze/connector.js';
import type { BlazeCredentials } from './blaze/types.js';
import { createDutchieConnector } from './dutchie/connector.js';
import type { DutchieCredentials } from './dutchie/types.js';

export type CreateConnectorOptions =
  | {
      vendor: 'dutchie';
      baseUrl?: string;
      credentials: DutchieCredentials;
      timeoutMs?: number;
      brands?: 'lookup' | 'none';
    }
  | { vendor: 'blaze'; baseUrl?: string; credentials: BlazeCredentials; timeoutMs?: number };

/** baseUrl defaults to the vendor's production API; point it at a sandbox in dev and tests. */
export function createConnector(opts: Extract<CreateConnectorOptions, { vendor: 'dutchie' }>): SnapshotConnector;
export function createConnector(opts: Extract<CreateConnectorOptions, { vendor: 'blaze' }>): IncrementalConnector;
export function createConnector(opts: CreateConnectorOptions): PosConnector;
export function createConnector(opts: CreateConnectorOptions): PosConnector {
  return opts.vendor === 'dutchie' ? createDutchieConnector(opts) : createBlazeConnector(opts);
}

export * from './connector.js';
export * from './errors.js';
export type { DutchieCredentials } from './dutchie/types.js';
export type { BlazeCredentials } from './blaze/types.js';
