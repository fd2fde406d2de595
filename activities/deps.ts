import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import type { AtomicWriter } from '../db/tx.js';
import type { Config } from '../platform/config.js';

/** Everything activities may touch, injected by the worker (or a test) into createActivities. */
export interface ActivityDeps {
  config: Config;
  sequelize: Sequelize;
  redis: Redis;
  /** Transactions in one or few round trips (db/tx.ts): order read model and stock holds. */
  writer: AtomicWriter;
  /** For activities that start or signal other workflows (e.g. submissions from a sync). */
  temporal?: () => Promise<Client>;
}
