import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import type { AtomicWriter } from '../db/tx.js';
import type { Config } from '../platform/config.js';
import type { LazyTemporalClient } from '../platform/temporal.js';

/** What the API needs from the outside world; built once in main.ts, injected into routes. */
export interface ApiDeps {
  config: Config;
  sequelize: Sequelize;
  /** One-round-trip transactions for the hottest write paths (db/tx.ts). */
  writer: AtomicWriter;
  redis: Redis;
  temporal: LazyTemporalClient;
}
